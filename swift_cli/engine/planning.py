"""Glue between command configs and the pure planner in hardware/: wishes in, Plan out."""
from __future__ import annotations

import dataclasses
import sys
from typing import Any

from swift_cli.errors import UsageError
from swift_cli.options.declare import build_config, flat_dict

# Options the planner reads (ms-swift names); everything else does not change memory.
PLANNER_KEYS = ("train_type", "torch_dtype", "per_device_train_batch_size", "gradient_accumulation_steps",
                "max_length", "gradient_checkpointing", "lora_rank", "target_modules", "quant_bits", "optim",
                "attn_impl", "deepspeed", "infer_backend", "packing")


def explicit_values(cfg) -> dict[str, Any]:
    """The options whose values differ from the defaults (what the user chose)."""
    defaults = flat_dict(build_config(type(cfg), {}), redact=False)
    return {k: v for k, v in flat_dict(cfg, redact=False).items() if defaults.get(k) != v}


def wishes(cfg, task: str, free: bool = True) -> dict[str, Any]:
    """Choices that matter for memory, as planner wishes: only the user's explicit ones when the planner is
    `free` to choose the rest (`swift plan`), all of them when it must describe this exact run (--dry_run)."""
    chosen = explicit_values(cfg) if free else flat_dict(cfg, redact=False)
    out = {k: chosen[k] for k in PLANNER_KEYS if k in chosen}
    if "target_modules" in out:
        out["target_modules"] = out["target_modules"] if len(out["target_modules"]) > 1 else out["target_modules"][0]
    out["task"] = task
    return out


def load_profile(hardware: str | None):
    """A named/JSON hardware profile, or this machine's."""
    if hardware:
        from hardware.profiles import load_profile as load

        try:
            return load(hardware)
        except (ValueError, FileNotFoundError, OSError) as exc:
            raise UsageError(f"--hardware {hardware}: {str(exc).splitlines()[0]}") from None
    from hardware.probe import probe

    return probe()


def model_spec(cfg):
    """The ModelSpec of `--model` from its config.json alone (no weights)."""
    from hardware.spec import ModelSpec

    return ModelSpec.from_config(model_config(cfg))


def model_config(cfg) -> dict:
    """`--model`'s config.json (a local folder, the hub's config.json alone, or the registry's shape)."""
    from hardware.loaders import load_model_config

    model = cfg.model.model
    if not model:
        raise UsageError("--model is required for a plan")
    try:
        config = load_model_config(model, use_hf=cfg.model.use_hf)
    except FileNotFoundError as exc:
        raise UsageError(f"--model {model}: {str(exc).splitlines()[0]}") from None
    return config


def make_plan(cfg, task: str, data_stats: dict | None = None, free: bool = True):
    """Plan for `cfg` from the model's config.json alone (no weights)."""
    from hardware.plan import make_plan as plan
    from hardware.spec import ModelSpec
    from swift_cli.engine.vl.plan import add_vision


    config = model_config(cfg)  # vision-language models: + the tower and the images (hardware.memory_vl)
    decoder = plan(ModelSpec.from_config(config), load_profile(cfg.train.hardware), wishes(cfg, task, free), data_stats)
    return add_vision(decoder, config, cfg, data_stats)


def command_line(cfg, task: str, plan) -> str:
    """The equivalent `swift ...` command: the user's choices, then the planner's derived flags."""
    import shlex

    own = {f.name for f in dataclasses.fields(cfg.plan)} if hasattr(cfg, "plan") else set()
    chosen = {k: v for k, v in explicit_values(cfg).items()
              if k not in ("dry_run", "hardware", "hub_token", *own)}
    chosen.update(plan.flags)
    chosen.pop("nproc_per_node", None)
    parts = ["swift", task]
    for key, value in chosen.items():
        values = value if isinstance(value, list) else [value]
        parts += [f"--{key}", *[str(v).lower() if isinstance(v, bool) else str(v) for v in values]]
    prefix = f"NPROC_PER_NODE={plan.flags['nproc_per_node']} " if plan.flags.get("nproc_per_node", 1) > 1 else ""
    return prefix + shlex.join(parts)


def print_plan(cfg, task: str, as_json: bool = False, free: bool = True) -> Any:
    """Show the plan (rich table, or one JSON object) and return it."""
    plan = make_plan(cfg, task, free=free)
    cmd = command_line(cfg, task, plan)
    if as_json:
        import json

        print(json.dumps({**plan.to_dict(), "command": cmd}, ensure_ascii=False, default=str))
        return plan
    from rich.console import Console

    from hardware.report import render_plan

    console = Console()
    console.print(render_plan(plan))
    console.print("[bold]command:[/]")
    print(cmd)  # plain, unwrapped: copy-pasteable
    return plan


def check_fit(cfg, task: str, data_stats: dict | None):
    """Before a real run: warn (or refuse with --strict) when the estimate exceeds free memory; returns the plan
    (None when no estimate could be made) so the run can show predicted beside measured peak."""
    from swift_cli.errors import RequirementError

    try:
        plan = make_plan(cfg, task, data_stats, free=False)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - an estimate we cannot make must not block training
        print(f"warning: no memory estimate ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
    if plan.fits:
        return plan
    gib = 2**30
    line = (f"the estimate ({plan.peak_bytes / gib:.1f} GiB per device) exceeds free memory "
            f"({plan.free_bytes / gib:.1f} GiB); see `swift plan` for flags that fit")
    if cfg.train.strict:
        raise RequirementError(line + " (--strict)")
    print(f"warning: {line}", file=sys.stderr)
    return plan
