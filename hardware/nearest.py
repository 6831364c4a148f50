"""The nearest change that fits: when what the user set cannot fit, the smallest change to it that would, tried
least intrusive first (checkpointing, batch, sharding, method, then a shorter max_length). Pure."""
from __future__ import annotations

from typing import Any, Callable

from .machine import HardwareProfile
from .spec import ModelSpec


# What may change to make a run fit, least intrusive first: each entry frees these wishes (the planner picks
# them) or sets them. A change touches only what the user set; max_length halves last.
_LADDER: tuple[tuple[str, ...], ...] = (
    ("gradient_checkpointing",), ("per_device_train_batch_size", "gradient_accumulation_steps"),
    ("deepspeed",), ("gradient_checkpointing", "per_device_train_batch_size", "gradient_accumulation_steps"),
    ("train_type", "use_dora", "quant_bits"),
    ("train_type", "use_dora", "quant_bits", "gradient_checkpointing", "per_device_train_batch_size",
     "gradient_accumulation_steps", "deepspeed"),
)


def nearest_change(make_plan: Callable, spec: ModelSpec, profile: HardwareProfile, w: dict[str, Any],
                   data_stats: dict[str, Any] | None) -> dict[str, Any] | None:
    """The smallest change to the fixed wishes `w` that fits on `profile` ({flags, flags_text, peak_bytes}).
    `make_plan` is hardware.plan.make_plan (passed in: the planner calls this when a plan does not fit)."""
    def attempt(free_keys: tuple[str, ...], extra: dict[str, Any]) -> dict[str, Any] | None:
        if not any(k in w for k in free_keys) and not extra:
            return None
        trial = {k: v for k, v in w.items() if k not in free_keys}
        trial.update(extra)
        p = make_plan(spec, profile, trial, data_stats, nearest=False)
        if not p.fits:
            return None
        def value(k: str) -> Any:
            if k == "train_type":
                return p.train_type
            return p.flags.get(k, "none" if k == "deepspeed" else None)

        changed = {k: value(k) for k in free_keys if k in w and k not in ("use_dora", "quant_bits")
                   and value(k) != w[k] and value(k) is not None}
        changed.update(extra)
        if not changed:
            return None
        text = " ".join(f"--{k} {str(v).lower() if isinstance(v, bool) else v}" for k, v in changed.items())
        return {"flags": changed, "flags_text": text, "peak_bytes": p.peak_bytes}

    for keys in _LADDER:
        found = attempt(keys, {})
        if found:
            return found
    seq = int(w.get("max_length") or 2048)   # plan.DEFAULT_MAX_LENGTH when the user set none
    while seq > 128:
        seq //= 2
        found = attempt(_LADDER[-1], {"max_length": seq})
        if found:
            return found
    return None
