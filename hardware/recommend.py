"""Which machines a task fits on: built-in profiles × device counts × methods, cheapest first. Pure.

``recommend(spec, "sft")`` asks the planner (plan.make_plan) for each built-in profile with 1, 2, 4, 8
devices and each training method (full, LoRA, QLoRA where bitsandbytes trains), keeps the smallest device
count on which the method fits, and sorts the rows by relative cost (hourly_usd × devices):

    7B LoRA → 1×a10g (24 GB); full → 2×a100-80g with ZeRO-3

``swift plan --recommend`` prints these rows; the wizard's model picker calls ``recommend`` directly.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .plan import make_plan
from .profiles import builtin_profile, list_profiles
from .rules import bnb_trains
from .spec import ModelSpec

COUNTS = (1, 2, 4, 8)
METHODS = ("full", "lora", "qlora")


@dataclass
class Row:
    profile: str                 # built-in profile name, e.g. "a100-80g"
    count: int                   # devices
    hardware: str                # the --hardware value, e.g. "a100-80g:2"
    description: str
    method: str                  # full | lora | dora | qlora | infer
    flags: dict[str, Any]        # the planner's ms-swift flags for this machine
    peak_bytes: int              # per device
    free_bytes: int              # per device
    fits: bool
    relative_cost: float         # hourly_usd × devices (approximate, for ordering)
    memory_gib: float = 0.0      # per device, as the profile lists it
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """'LoRA → 1×a10g (24 GB)' / 'full → 2×a100-80g with ZeRO-3'."""
        ds = self.flags.get("deepspeed")
        extra = f" with {ds.replace('zero', 'ZeRO-').replace('_offload', ' + CPU offload')}" if ds else ""
        name = {"lora": "LoRA", "qlora": "QLoRA", "dora": "DoRA"}.get(self.method, self.method)
        return f"{name} → {self.count}×{self.profile} {self.memory_gib:g} GiB{extra}"


def _methods(task: str, kind: str, wishes: dict[str, Any]) -> list[str | None]:
    if task == "infer":
        return [None]
    if wishes.get("train_type"):
        return [str(wishes["train_type"])]
    return [m for m in METHODS if m != "qlora" or bnb_trains(kind)]


def fit_here(spec: ModelSpec, prof, max_length: int = 1024) -> str:
    """What a model fits on `prof`: full | lora | qlora (the method the planner picks to train it at `max_length`),
    infer (only inference fits) or no. The wizard's and the web form's model lists both show this."""
    trained = make_plan(spec, prof, {"task": "sft", "max_length": max_length}, nearest=False)
    if trained.fits:
        return trained.train_type if trained.train_type in ("full", "lora", "qlora") else "lora"
    return "infer" if make_plan(spec, prof, {"task": "infer", "max_length": max_length}, nearest=False).fits else "no"


def recommend(spec: ModelSpec, task: str = "sft", wishes: dict[str, Any] | None = None,
              data_stats: dict[str, Any] | None = None, accelerators: tuple[str, ...] = ("cuda", "npu", "mps", "cpu"),
              per_method: int | None = None) -> list[Row]:
    """Rows (profile, count, method, flags, peak) on which `task` fits, cheapest first. `wishes` are the
    planner's (train_type, max_length, lora_rank, ...); a fixed train_type limits the methods to it.
    `per_method` keeps only the N cheapest rows of each method."""
    wishes = dict(wishes or {})
    wishes["task"] = task
    rows: list[Row] = []
    for prof in list_profiles():
        if prof["accelerator"] not in accelerators:
            continue
        for method in _methods(task, prof["accelerator"], wishes):
            w = dict(wishes) if method is None else {**wishes, "train_type": method}
            for n in COUNTS:
                if n > prof["max_devices"]:
                    break
                profile = builtin_profile(f"{prof['name']}:{n}")
                plan = make_plan(spec, profile, w, data_stats)
                if not plan.fits or (method and plan.train_type != method):
                    continue
                rows.append(Row(profile=prof["name"], count=n, hardware=profile.name,
                                description=prof["description"], method=plan.train_type or "infer",
                                flags=dict(plan.flags), peak_bytes=plan.peak_bytes, free_bytes=plan.free_bytes,
                                fits=True, relative_cost=round(prof["hourly_usd"] * n, 4), memory_gib=prof["memory_gib"],
                                notes=list(plan.notes)))
                break
    order = {m: i for i, m in enumerate(("full", "dora", "lora", "qlora", "infer"))}
    rows.sort(key=lambda r: (r.relative_cost, order.get(r.method, 9), r.count, r.profile))
    if per_method:
        seen: dict[str, int] = {}
        kept = []
        for r in rows:
            seen[r.method] = seen.get(r.method, 0) + 1
            if seen[r.method] <= per_method:
                kept.append(r)
        rows = kept
    return rows


def cheapest_per_method(rows: list[Row]) -> list[Row]:
    """The first (cheapest) row of each method, in the order the methods first appear."""
    out: dict[str, Row] = {}
    for r in rows:
        out.setdefault(r.method, r)
    return list(out.values())
