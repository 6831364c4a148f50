"""Glue between command configs and the pure planner in hardware/: what the user set in, Plan out.

`swift plan` lets the planner fill only the options the user left unset (`free=True`); a run (--dry_run, the
pre-run check) plans exactly its config (`free=False`). A run plans once: `run_plan` before anything heavy,
then `refine` with the tokenized data's lengths; the same Plan feeds the monitor's "predicted" figure and the
failure hints. The hardware is probed once per process.
"""
from __future__ import annotations

import functools
import os
import sys
from typing import Any

from swift_cli.errors import UsageError
from swift_cli.options.declare import flat_dict, given_values
from swift_cli.options.render import render

# Options the planner reads (hardware.plan.READS lists every wish it understands; a test keeps the two in step).
PLANNER_KEYS = ("train_type", "torch_dtype", "per_device_train_batch_size", "gradient_accumulation_steps",
                "max_length", "gradient_checkpointing", "lora_rank", "lora_alpha", "lora_dropout", "target_modules",
                "use_dora", "quant_method", "quant_bits", "bnb_4bit_quant_type", "bnb_4bit_use_double_quant",
                "optim", "attn_impl", "deepspeed", "fsdp", "adapters", "packing", "padding_free", "rlhf_type", "infer_backend",
                "max_new_tokens")
# Where a planned run's command goes: the planner's task → the swift command that runs it.
COMMAND_OF_TASK = {"dpo": "rlhf"}


def explicit_values(cfg) -> dict[str, Any]:
    """The options the user set (CLI flag, recipe key, wizard answer), whatever their value."""
    return given_values(cfg)


def processes() -> int | None:
    """Processes per node the launcher will start (NPROC_PER_NODE, or torchrun's LOCAL_WORLD_SIZE)."""
    for key in ("NPROC_PER_NODE", "LOCAL_WORLD_SIZE"):
        value = os.environ.get(key, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def wishes(cfg, task: str, free: bool = True) -> dict[str, Any]:
    """Choices that matter for memory, as planner wishes: only what the user set when the planner is `free` to
    choose the rest (`swift plan`), every value when it must describe this exact run (--dry_run, a real run;
    then one process unless NPROC_PER_NODE says otherwise)."""
    chosen = explicit_values(cfg) if free else flat_dict(cfg, redact=False)
    ms = getattr(cfg, "ms", None)  # ms-swift's flags without an option of ours are never planned (options/compat.py)
    if ms is not None:
        chosen = {k: v for k, v in chosen.items() if not hasattr(ms, k)}
    out = {k: chosen[k] for k in PLANNER_KEYS if k in chosen and chosen[k] not in (None, [])}
    if "target_modules" in out:
        out["target_modules"] = out["target_modules"] if len(out["target_modules"]) > 1 else out["target_modules"][0]
    nproc = processes()
    if nproc or not free:
        out["nproc_per_node"] = nproc or 1
    out["task"] = task
    return out


@functools.lru_cache(maxsize=8)
def load_profile(hardware: str | None):
    """A named/JSON hardware profile, or this machine's (probed once per process)."""
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


def measured_stats(cfg, task: str) -> dict | None:
    """The token lengths of the run's data where model tokenizer and data are local (engine/data/measure.py)."""
    from swift_cli.engine.data.measure import length_stats

    data, model = getattr(cfg, "data", None), getattr(cfg, "model", None)
    if data is None or model is None or not getattr(data, "dataset", None):
        return None
    return length_stats(model.model, data.dataset, task, max_length=data.max_length,
                        truncation=data.truncation_strategy, model_name=data.model_name,
                        model_author=data.model_author, system=getattr(model, "system", None),
                        seed=getattr(getattr(cfg, "train", None), "seed", 42))


def make_plan(cfg, task: str, data_stats: dict | None = None, free: bool = True):
    """Plan for `cfg` from the model's config.json alone (no weights), with the data's measured token lengths
    when they can be read here (local tokenizer and data) and none were given."""
    from hardware.plan import make_plan as plan
    from hardware.spec import ModelSpec
    from swift_cli.engine.vl.plan import add_vision

    if data_stats is None:
        data_stats = measured_stats(cfg, task)
    config = model_config(cfg)  # vision-language models: + the tower and the images (hardware.memory_vl)
    decoder = plan(ModelSpec.from_config(config), load_profile(cfg.train.hardware), wishes(cfg, task, free), data_stats)
    return add_vision(decoder, config, cfg, data_stats)


def job_plan(cfg, command: str, hardware: str | None = None):
    """The memory plan of a non-training job (`swift infer/eval/deploy/app/export`) exactly as it would run, on
    this machine or a named hardware profile: hardware/job_memory.py from the model's config.json alone; None for
    a command it does not model."""
    from hardware.job_memory import job_plan as plan
    from hardware.spec import ModelSpec

    config = model_config(cfg)
    train = getattr(cfg, "train", None)
    given = getattr(getattr(cfg, "model", None), "torch_dtype", None)
    dtype = given if given not in (None, "auto") else (config.get("dtype") or config.get("torch_dtype") or "float32")
    return plan(ModelSpec.from_config(config), load_profile(hardware or getattr(train, "hardware", None)),
                command, wishes(cfg, "infer", free=False), dtype=str(dtype))


def command_line(cfg, task: str, plan, command: str | None = None) -> str:
    """The equivalent `swift ...` command: what the user set, then the planner's flags (one renderer)."""
    flags = {k: v for k, v in plan.flags.items() if k != "nproc_per_node"}
    n = plan.flags.get("nproc_per_node", 1)
    return render(cfg, command or COMMAND_OF_TASK.get(task, task), flags, drop=("hardware",),
                  env={"NPROC_PER_NODE": n} if n > 1 else None)


def flags_the_command_lacks(task: str, plan) -> dict[str, Any]:
    """Planner flags that `swift <command>` has no option for (e.g. a quantized load for `swift infer`)."""
    from swift_cli.options.declare import command_specs
    from swift_cli.options.render import command_config

    names = {s.name for s in command_specs(command_config(COMMAND_OF_TASK.get(task, task)))}
    return {k: v for k, v in plan.flags.items() if k not in names and k not in ("nproc_per_node", "max_batch_size")}


def print_plan(cfg, task: str, as_json: bool = False, free: bool = True, plan=None) -> Any:
    """Show the plan (rich table, or one JSON object) and return it."""
    plan = plan or make_plan(cfg, task, free=free)
    cmd = command_line(cfg, task, plan)
    if lacking := flags_the_command_lacks(task, plan):
        plan.notes.append(f"the estimate assumes {' '.join(f'--{k} {v}' for k, v in lacking.items())}, which "
                          f"`swift {COMMAND_OF_TASK.get(task, task)}` does not take (e.g. `swift quantize` first)")
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


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def run_plan(cfg, task: str):
    """The one plan of a run, made before any download, model load or tokenization: a warning when the estimate
    exceeds free memory, a refusal (exit 5, one line) with --strict. None when no estimate can be made."""
    from swift_cli.errors import RequirementError

    try:
        plan = make_plan(cfg, task, free=False)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - an estimate we cannot make must not block training
        print(f"warning: no memory estimate ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
    if plan.fits:
        return plan
    line = (f"the estimate ({_gib(plan.peak_bytes)} per device at --max_length {cfg.data.max_length}) exceeds "
            f"free memory ({_gib(plan.free_bytes)})")
    if plan.nearest_change:
        line += f"; nearest change that fits: {plan.nearest_change['flags_text']}"
    if cfg.train.strict:
        raise RequirementError(line + " (--strict)")
    print(f"warning: {line}", file=sys.stderr)
    return plan


def refine(plan, cfg, task: str, data_stats: dict | None):
    """The run's plan with the tokenized data's lengths (rows are padded to the longest in a batch, not to
    --max_length): updated in place, so whoever holds the plan sees the refined estimate."""
    if plan is None or not data_stats:
        return plan
    try:
        better = make_plan(cfg, task, data_stats, free=False)
    except Exception:  # noqa: BLE001 - keep the first estimate
        return plan
    plan.__dict__.update(better.__dict__)
    return plan
