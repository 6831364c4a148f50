"""The New-run form's model list (what each curated model fits on this machine) and the key parameters the planner
would choose for the model and method picked. Pure planning (hardware/) on the probe's data: nothing heavy is
imported here, nothing is downloaded (a model's shape comes from its folder, the hub cache or the registry)."""
from __future__ import annotations

from typing import Any

from webui.forms import PREFERENCE_TYPES

FIT_KEYS = ("full", "lora", "qlora", "infer", "no")
# The form fields the planner chooses for a method (hardware/plan.py's flags); the user's own values are never
# replaced. The method itself (train_type) is the user's: empty means the declared default, LoRA.
PLANNED_FIELDS = ("lora_rank", "max_length", "per_device_train_batch_size", "gradient_accumulation_steps")
DEFAULT_METHOD = "lora"


def spec_of(model: str):
    """The planner's ModelSpec of a local folder, a cached hub id or a registry name; None when unknown here."""
    from hardware.loaders import load_model_config
    from hardware.spec import ModelSpec

    try:
        return ModelSpec.from_config(load_model_config(model, download=False))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def model_choices(prof) -> list[dict[str, Any]]:
    """Every curated text model with its size and what fits on `prof` (the datalist of the form), smallest first."""
    from hardware.recommend import fit_here
    from hardware.spec import ModelSpec
    from swift_cli.registry.models import MODELS, config_for

    out = []
    for entry in sorted(MODELS, key=lambda e: e.params_b):
        config = config_for(entry)
        if config is None or entry.kind == "vision":
            continue
        fit = fit_here(ModelSpec.from_config(config), prof) if prof is not None else None
        out.append({"key": entry.key, "params_b": entry.params_b, "fit": fit})
    return out


def _wishes(command: str, form: dict[str, Any]) -> dict[str, Any]:
    """The user's filled planner fields as the planner's wishes (typed), plus the task."""
    w: dict[str, Any] = {"task": "dpo" if command in ("dpo", *PREFERENCE_TYPES) else command,
                         "train_type": str(form.get("train_type") or "").strip() or DEFAULT_METHOD}
    if command in PREFERENCE_TYPES:
        w["rlhf_type"] = command
    for name in PLANNED_FIELDS:
        value = str(form.get(name) or "").strip()
        if value.isdigit():
            w[name] = int(value)
    return w


def planner_defaults(form: dict[str, Any], prof) -> dict[str, Any]:
    """{fit, defaults: {field: value} for the planned fields the user left empty}; the user's values stay theirs."""
    command = str(form.get("task") or "sft")
    model = str(form.get("model") or "").strip()
    spec = spec_of(model) if model else None
    if spec is None or prof is None:
        return {"fit": None, "defaults": {}, "why": f"no shape known for {model!r} here" if model else "no model"}
    from hardware.plan import make_plan
    from hardware.recommend import fit_here

    plan = make_plan(spec, prof, _wishes(command, form), nearest=False)
    flags = plan.flags
    defaults = {name: flags[name] for name in PLANNED_FIELDS
                if name in flags and not str(form.get(name) or "").strip()}
    return {"fit": fit_here(spec, prof), "fits": bool(plan.fits), "defaults": defaults}
