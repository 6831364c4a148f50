"""The hardware screen and the memory plan: the same probe and planner `swift plan` uses, shown on one
screen, with the plan that fits offered when the user's choice does not."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from rich.table import Table

from hardware.rules import bnb_trains
from swift_cli.errors import SwiftError
from swift_cli.options.parse import convert
from wizard import ui
from wizard.i18n import t
from wizard.questions import specs

GIB = 1024 ** 3
# Flags the planner may change when offering a plan that fits (the user's other choices stay).
PLANNER_CHOSEN = ("train_type", "per_device_train_batch_size", "gradient_accumulation_steps",
                  "gradient_checkpointing", "quant_method", "quant_bits", "bnb_4bit_compute_dtype",
                  "bnb_4bit_quant_type", "bnb_4bit_use_double_quant", "deepspeed", "use_dora")


@functools.lru_cache(maxsize=8)
def profile(hardware: str | None):
    """This machine (probed once per session) or the named profile, as the planner sees it."""
    from swift_cli.engine.planning import load_profile

    return load_profile(hardware)


def show_hardware(prof, hardware: str | None) -> None:
    """One screen: devices, memory, CPU/RAM and the engines that are installed."""
    table = Table(title=t("hw.title") if not hardware else t("hw.profile", name=prof.name), show_header=False,
                  title_justify="left")
    table.add_column(style="cyan")
    table.add_column()
    if prof.accelerator == "cpu":
        table.add_row(t("hw.device"), t("hw.none"))
    else:
        names = sorted({d.name for d in prof.devices})
        table.add_row(t("hw.device"), f"{prof.accelerator}: {len(prof.devices)} × {', '.join(names)}")
        table.add_row(t("hw.memory"), f"{prof.device_free_bytes / GIB:.1f} / {prof.device_total_bytes / GIB:.1f} GiB")
    ram = f"{prof.ram_free_bytes / GIB:.1f} / {prof.ram_total_bytes / GIB:.1f} GiB"
    table.add_row(t("hw.cpu"), f"{prof.cpu_cores}, {ram}")
    engines = [f"{k} {v}" for k, v in (prof.engines or {}).items() if v and k in
               ("torch", "transformers", "peft", "trl", "vllm", "bitsandbytes", "deepspeed")]
    if engines:
        table.add_row(t("hw.engines"), ", ".join(engines))
    ui.console.print(table)


def rough_fit(params_b: float, prof) -> str:
    """≈ what a model of this size fits here, from bytes per parameter alone (for the picker's list)."""
    half = prof.accelerator != "cpu"
    free = prof.device_free_bytes / GIB
    need = {"full": 8 if half else 16, "lora": 2 if half else 4, "qlora": 0.7, "infer": 2 if half else 4}
    for key in ("full", "lora", "qlora"):
        if key == "qlora" and not bnb_trains(prof.accelerator):
            continue
        if params_b * need[key] * 1.3 + 1 <= free:
            return t(f"fit.{key}")
    return t("fit.infer") if params_b * need["infer"] * 1.2 + 1 <= free else t("fit.no")


def entry_fit(entry, prof) -> str:
    """What a curated model fits on this machine, from the planner (max_length 1024), else from its size."""
    from hardware.recommend import fit_here
    from hardware.spec import ModelSpec
    from swift_cli.registry.models import config_for

    config = config_for(entry)
    if config is None:
        return "≈ " + rough_fit(entry.params_b, prof)
    return t(f"fit.{fit_here(ModelSpec.from_config(config), prof)}")


def model_spec(values: dict[str, Any]):
    """The ModelSpec of the model these values train (an adapter's base from its args.json); raises."""
    from hardware.loaders import load_model_config
    from hardware.spec import ModelSpec

    model = values.get("model")
    if not model and values.get("adapters"):
        from swift_cli.engine.models import base_model_of  # the base an adapter names, as the run resolves it

        model = base_model_of(Path(values["adapters"][0].split("=")[-1]))
    if not model:
        raise ValueError("no --model, and the adapter names no base model")
    return ModelSpec.from_config(load_model_config(model, use_hf=bool(values.get("use_hf"))))


def wishes(values: dict[str, Any], task: str) -> dict[str, Any]:
    """The user's answers that matter for memory, as planner wishes (an answer equal to a declared default,
    e.g. LoRA, is still a choice, as a flag given to `swift plan` is)."""
    from swift_cli.engine.planning import PLANNER_KEYS

    out = {k: values[k] for k in PLANNER_KEYS if values.get(k) is not None}
    if isinstance(out.get("target_modules"), list):
        tm = out["target_modules"]
        out["target_modules"] = tm[0] if len(tm) == 1 else tm
    out["task"] = task
    return out


def measured(values: dict[str, Any], task: str) -> dict | None:
    """The token lengths of the chosen data, read with the model's tokenizer where both are local (so the first
    estimate shown is the refined one, not every row at --max_length)."""
    from swift_cli.engine.data.measure import length_stats

    return length_stats(values.get("model"), list(values.get("dataset") or []), task,
                        max_length=values.get("max_length") or 2048,
                        truncation=values.get("truncation_strategy") or "delete",
                        model_name=values.get("model_name") or (), model_author=values.get("model_author") or (),
                        system=values.get("system"), seed=values.get("seed") or 42)


def make_plan(config_cls: type, values: dict[str, Any], task: str, hardware: str | None):
    """(the planner's plan for these answers, None) or (None, why it could not be made)."""
    from hardware.plan import make_plan as plan

    try:
        return plan(model_spec(values), profile(hardware), wishes(values, task), measured(values, task)), None
    except SwiftError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - an estimate we cannot make must not stop the wizard
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def machines(values: dict[str, Any], task: str, kind: str, limit: int = 3) -> list[str]:
    """The cheapest built-in machines where the user's method and length fit (hardware.recommend): CUDA ones,
    plus the same kind as this machine's when it is an NPU or a Mac."""
    from hardware.recommend import cheapest_per_method, recommend

    keep = {k: v for k, v in wishes(values, task).items() if k in ("train_type", "max_length", "lora_rank", "task")}
    kinds = ("cuda",) if kind in ("cuda", "cpu") else (kind, "cuda")
    try:
        rows = recommend(model_spec(values), task, keep, accelerators=kinds, per_method=1)
    except Exception:  # noqa: BLE001 - a suggestion we cannot make is just left out
        return []
    return [r.summary() for r in cheapest_per_method(rows)][:limit]


def flags_as_values(config_cls: type, flags: dict[str, Any]) -> dict[str, Any]:
    """The planner's derived flags as typed option values of this command (flags it lacks are dropped)."""
    known = specs(config_cls)
    out = {}
    for key, value in flags.items():
        spec = known.get(key)
        if spec is None:
            continue
        if spec.is_list and isinstance(value, str):
            value = value.split()
        out[key] = convert(spec, value)
    return out


def verdict(plan) -> str:
    free, peak = plan.free_bytes / GIB, plan.peak_bytes / GIB
    key = "plan.fits" if plan.fits else "plan.nofit"
    return t(key, peak=f"{peak:.1f}", free=f"{free:.1f}", hw=plan.hardware)


def describe(plan) -> str:
    """One line: train type, batch × accumulation, checkpointing, deepspeed."""
    f = plan.flags
    parts = [plan.train_type or "", f"batch {f.get('per_device_train_batch_size')} × "
             f"{f.get('gradient_accumulation_steps')}",
             f"gradient_checkpointing {str(f.get('gradient_checkpointing')).lower()}"]
    if f.get("deepspeed"):
        parts.append(f"deepspeed {f['deepspeed']}")
    return ", ".join(parts) + f" ({plan.peak_bytes / GIB:.1f} GiB)"


def plan_step(config_cls: type, values: dict[str, Any], task: str, hardware: str | None) -> dict[str, Any]:
    """Show the estimate for the user's choices; when they do not fit, say so, offer the planner's plan that
    does and name machines where theirs would. Returns the values with the planner's flags filled in."""
    plan, why = make_plan(config_cls, values, task, hardware)
    if plan is None:
        ui.console.print(f"[yellow]{t('plan.none', why=why)}[/]")
        return values
    ui.console.print(f"[bold]{t('plan.title')}[/]: "
                     + (f"[green]{verdict(plan)}[/]" if plan.fits else f"[bold red]{verdict(plan)}[/]"))
    for note in plan.notes:
        ui.console.print(f"  • {note}")
    derived = flags_as_values(config_cls, plan.flags)
    prof = profile(hardware)
    if plan.fits:
        return {**derived, **values}
    free_values = {k: v for k, v in values.items() if k not in PLANNER_CHOSEN}
    alt, _ = make_plan(config_cls, free_values, task, hardware)
    choices = []
    if alt is not None and alt.fits:
        choices.append(ui.Choice(t("plan.use", desc=describe(alt)), "use"))
    else:
        ui.console.print(f"[red]{t('plan.nothing', hw=plan.hardware)}[/]")
    for line in machines(values, task, prof.accelerator):
        ui.console.print(t("plan.machine", hw=line))
    choices.append(ui.Choice(t("plan.keep"), "keep"))
    if ui.select(t("plan.offer"), choices) == "use":
        return {**free_values, **flags_as_values(config_cls, alt.flags)}
    return {**derived, **values}
