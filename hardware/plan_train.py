"""The training plan's parts: which train types, DeepSpeed stages, checkpointing and batch sizes are candidates,
the first that fits, what to say when none does, and the flags of the choice. Pure; `plan.make_plan` composes
them in the search order its docstring gives."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable

from .machine import HardwareProfile
from .memory import Breakdown, MemoryInputs, estimate
from .plan_types import HEADROOM, fits_in, gib_text
from .profiles import cheapest_fit
from .rules import (
    bnb_trains,
    deepspeed_trains,
    padding_free_by_default,
    refuse_deepspeed,
    refuse_qlora,
    refuse_quant,
)
from .spec import ModelSpec

DEFAULT_GLOBAL_BATCH = 16          # ms-swift: accumulation = 16 / (batch × world size)

Choice = tuple[str, "str | None", bool, int, Breakdown]   # train type, deepspeed, checkpointing, batch, estimate


def train_types(spec: ModelSpec, profile: HardwareProfile, w: dict,
                notes: list[str]) -> tuple[dict, str | None, str | None, list[str]]:
    """(wishes, a GPTQ/AWQ base's method, the user's train type, the candidates in search order)."""
    kind = profile.accelerator
    base_q = spec.quant_method if spec.quant_method in ("gptq", "awq") else None
    if spec.quant_method == "bnb":          # a pre-quantized bitsandbytes checkpoint: QLoRA only
        why = refuse_quant(profile, "bnb")
        if why:
            notes.append(why)
        if w.get("train_type") == "full":
            notes.append("refused --train_type full: the base is a bitsandbytes checkpoint; "
                         "using LoRA on it (QLoRA)")
        w = {**w, "train_type": "qlora", "quant_bits": spec.quant_bits or 4}
    elif spec.quant_method and not base_q:
        notes.append(f"base quantized with {spec.quant_method}: planned as a 16-bit base (not modelled)")
    fixed_tt = w.get("train_type")
    if fixed_tt in ("lora", "full") and w.get("use_dora"):
        fixed_tt = "dora"
    if fixed_tt == "lora" and int(w.get("quant_bits", 0) or 0) in (4, 8) and not base_q \
            and w.get("quant_method", "bnb") == "bnb":
        fixed_tt = "qlora"             # ms-swift spells QLoRA as lora + --quant_bits 4
    if fixed_tt and fixed_tt not in ("full", "lora", "dora", "qlora"):
        notes.append(f"--train_type {fixed_tt}: not modelled; planning as lora")
        fixed_tt = "lora"
    if base_q:
        why = refuse_quant(profile, base_q)
        if why:
            notes.append(why)
        if fixed_tt in ("full", "qlora"):
            notes.append(f"refused --train_type {fixed_tt}: the base is {base_q.upper()} "
                         f"{spec.quant_bits}-bit; using LoRA on the quantized base (no bitsandbytes)")
        candidates = ["lora"] if fixed_tt != "dora" else ["dora"]
    elif fixed_tt == "qlora" and not bnb_trains(kind):
        notes.append(refuse_qlora(profile))
        candidates = ["lora"]
    elif fixed_tt:
        candidates = [fixed_tt]
    else:
        candidates = ["full", "lora"] + (["qlora"] if bnb_trains(kind) else [])
    return w, base_q, fixed_tt, candidates


def deepspeed_wish(profile: HardwareProfile, w: dict, wishes: dict | None, notes: list[str]) -> tuple[Any, bool]:
    """(the DeepSpeed config to use, whether the user fixed it: then the planner tries no other)."""
    ds_wish = w.get("deepspeed")
    if ds_wish:
        why = refuse_deepspeed(profile, ds_wish)
        if why:
            notes.append(why)
            ds_wish = None
        return ds_wish, True
    return ds_wish, "deepspeed" in (wishes or {}) or "fsdp" in w


def batch_options(w: dict, n: int) -> tuple[int, list[int]]:
    """(target global batch, per-device batch sizes to try, largest first). A fixed per-device batch and
    accumulation give the global batch; else the user's target or ms-swift's 16."""
    b_fixed, acc_fixed = w.get("per_device_train_batch_size"), w.get("gradient_accumulation_steps")
    target = w.get("global_batch_size") or (b_fixed * acc_fixed * n if b_fixed and acc_fixed
                                            else DEFAULT_GLOBAL_BATCH)
    if b_fixed:
        return target, [int(b_fixed)]
    top = max(1, target // n)
    return target, [2 ** k for k in range(int(math.log2(top)), -1, -1)]


@dataclass
class TrainSpace:
    """The configurations one request may take, and the memory inputs of each."""

    w: dict
    task: str
    kind: str
    n: int
    seq: int
    dtype: str
    base: MemoryInputs
    ds_wish: Any
    ds_fixed: bool

    def padding_free(self, b: int) -> bool:
        """The run's --padding_free: the user's value, else on for short flattened sft batches."""
        if "padding_free" in self.w:
            return bool(self.w["padding_free"])
        return self.task == "sft" and padding_free_by_default(b, self.seq, bool(self.w.get("packing")))

    def ds_options(self, tt: str) -> list[str | None]:
        if self.ds_fixed or not deepspeed_trains(self.kind):
            return [self.ds_wish]
        if self.n > 1:
            return [None, "zero2", "zero3", "zero3_offload"] if tt != "qlora" else [None, "zero2"]
        return [None, "zero2_offload"] if tt == "full" else [None]

    def inputs(self, tt: str, ds: str | None, gc: bool, b: int) -> MemoryInputs:
        zero = int(ds[4]) if ds else 0
        quant = self.base.quant
        if tt == "qlora":
            quant = "bnb4" if int(self.w.get("quant_bits", 4) or 4) == 4 else "bnb8"
        padding = False if self.padding_free(b) else self.base.padding
        return replace(self.base, train_type=tt, gradient_checkpointing=gc, batch_size=b, padding=padding,
                       zero_stage=zero, offload=bool(ds and "offload" in ds), quant=quant,
                       master_weights=bool(ds) and tt == "full" and self.dtype != "float32")


def first_fit(spec: ModelSpec, profile: HardwareProfile, space: TrainSpace, candidates: list[str],
              gc_opts: list[bool], b_opts: list[int]) -> Choice | None:
    """The first candidate in search order whose estimate fits; None when none does."""
    # A candidate the user fixed completely only has to fit; our own picks keep headroom.
    margin = 1.0 if len(candidates) == len(b_opts) == len(gc_opts) == 1 else HEADROOM
    for tt in candidates:
        for ds in space.ds_options(tt):
            for gc in gc_opts:
                for b in b_opts:
                    br = estimate(spec, space.inputs(tt, ds, gc, b))
                    if fits_in(br, profile.device_free_bytes, profile, margin):
                        return tt, ds, gc, b, br
    return None


def most_frugal(spec: ModelSpec, profile: HardwareProfile, space: TrainSpace, candidates: list[str],
                gc_opts: list[bool], b_opts: list[int], nearest: Callable[[], dict | None] | None,
                notes: list[str]) -> tuple[Choice, str, dict | None]:
    """When nothing fits: the most frugal combination, the one line saying why not, the nearest change to what
    the user set that would fit (from `nearest`), and notes on offload and the machines where it would fit."""
    w, free = space.w, profile.device_free_bytes
    tt, ds = candidates[-1], space.ds_options(candidates[-1])[-1]
    gc, b = gc_opts[-1], b_opts[-1]
    br = estimate(spec, space.inputs(tt, ds, gc, b))
    fixed = [k for k in ("train_type", "per_device_train_batch_size", "gradient_checkpointing",
                         "deepspeed", "max_length") if k in w]
    why_not = (f"does not fit: needs {gib_text(br.peak_bytes)} per device, {gib_text(free)} free on "
               f"{profile.name}" + (f" (kept your {', '.join('--' + k for k in fixed)})" if fixed else ""))
    notes.append(why_not)
    change = nearest() if nearest else None
    if change:
        notes.append(f"nearest change that fits on {profile.name}: {change['flags_text']} "
                     f"({gib_text(change['peak_bytes'])} per device)")
    if br.host_bytes > profile.ram_free_bytes:
        notes.append(f"offload needs {gib_text(br.host_bytes)} of CPU RAM, "
                     f"{gib_text(profile.ram_free_bytes)} free")
    alt = cheapest_fit(spec, space.inputs(tt, ds, gc, b), HEADROOM)
    if alt:
        notes.append(f"nearest that fits with these flags: --hardware {alt}")
    else:
        notes.append("no single-node built-in profile fits these flags"
                     + ("; try --train_type lora or qlora" if tt == "full" else
                        "; shorten --max_length or use several nodes"))
    return (tt, ds, gc, b, br), why_not, change


def fit_notes(profile: HardwareProfile, w: dict, choice: Choice, fixed_tt: str | None, notes: list[str]) -> None:
    """What the planner chose for the user, said: checkpointing, the train type, a tight fit."""
    tt, _, gc, _, br = choice
    free = profile.device_free_bytes
    if "gradient_checkpointing" not in w:
        notes.append("gradient_checkpointing " + ("true: needed to fit" if gc else
                                                  "false: fits without it (faster)"))
    if not fixed_tt and tt != "full":
        notes.append(f"train_type {tt}: full fine-tuning does not fit on {profile.name}")
    if br.peak_bytes > 0.95 * free:
        notes.append(f"tight: {gib_text(br.peak_bytes)} of {gib_text(free)}; fragmentation may still OOM")


def optim_kind(name: Any) -> str:
    o = str(name or "adamw").lower()
    return {"adamw_torch_fused": "adamw", "adamw_torch": "adamw_torch", "adamw_bnb_8bit": "adamw_8bit",
            "adamw_8bit": "adamw_8bit", "paged_adamw_32bit": "paged_adamw",
            "paged_adamw": "paged_adamw", "paged_adamw_8bit": "paged_adamw_8bit",
            "sgd": "sgd"}.get(o, "adamw")


def train_flags(w: dict, tt: str, dtype: str, b: int, acc: int, seq: int, gc: bool, ds: str | None,
           n: int, attn: str, task: str, base_q: str | None) -> dict[str, Any]:
    f: dict[str, Any] = {"train_type": "full" if tt == "full" else "lora", "torch_dtype": dtype,
                         "per_device_train_batch_size": b, "gradient_accumulation_steps": acc,
                         "max_length": seq, "gradient_checkpointing": gc}
    if task == "dpo" and w.get("rlhf_type"):
        f["rlhf_type"] = w["rlhf_type"]       # the user's algorithm, never swapped for dpo
    if tt != "full":
        f["lora_rank"] = int(w.get("lora_rank", 8))
        f["lora_alpha"] = int(w.get("lora_alpha", 32))
        tm = w.get("target_modules", "all-linear")
        f["target_modules"] = " ".join(tm) if isinstance(tm, (list, tuple)) else tm
    if tt == "dora" and w.get("train_type") == "dora":
        f["train_type"] = "dora"                 # the user's spelling, kept
    elif tt == "dora":
        f["use_dora"] = True
    if tt == "qlora":
        bits = int(w.get("quant_bits", 4) or 4)
        if w.get("train_type") == "qlora":
            f["train_type"] = "qlora"            # the user's spelling; training reads it as 4-bit bnb
            if "quant_bits" in w:
                f["quant_bits"] = bits
        else:
            f.update(quant_method="bnb", quant_bits=bits)
        if bits == 4:
            f.update(bnb_4bit_quant_type=w.get("bnb_4bit_quant_type", "nf4"),
                     bnb_4bit_use_double_quant=bool(w.get("bnb_4bit_use_double_quant", True)),
                     bnb_4bit_compute_dtype=dtype if dtype != "float32" else "float32")
    if ds:
        f["deepspeed"] = ds
    if w.get("fsdp"):
        f["fsdp"] = w["fsdp"]
    if attn != "sdpa" or "attn_impl" in w:
        f["attn_impl"] = "flash_attn" if attn == "flash" else attn
    if w.get("optim"):
        f["optim"] = w["optim"]
    if n > 1:
        f["nproc_per_node"] = n
    return f


