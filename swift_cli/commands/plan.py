"""`swift plan`: the memory breakdown, whether it fits, and the flags that do — without loading weights."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.options.declare import opt
from swift_cli.options.groups import BackendArgs, DataArgs, ModelArgs, TrainArgs, TunerArgs
from swift_cli.options.vision import VisionArgs


@dataclass(frozen=True)
class PlanArgs:
    """What to plan."""

    task: str = opt("sft", "Workload to plan", choices=("sft", "pt", "dpo", "infer", "eval"))
    json: bool = opt(False, "Print one JSON object (params_total, peak_bytes, breakdown, fits, flags, command, notes)")
    recommend: bool = opt(False, "List the built-in hardware profiles (and device counts) the task fits on, cheapest "
                          "first, with the method and flags for each")


@dataclass(frozen=True)
class PlanConfig:
    plan: PlanArgs
    model: ModelArgs
    data: DataArgs
    tuner: TunerArgs
    train: TrainArgs
    backend: BackendArgs
    vision: VisionArgs  # vision-language models: frozen parts and --max_pixels (engine/vl/plan.py)


def main(argv: list[str], prog: str = "swift plan") -> int:
    _, cfg = parse(PlanConfig, argv, prog, "Estimate peak memory per device from config.json alone and derive "
                   "flags that fit this machine or --hardware PROFILE (a100-80g:2, h100:8, rtx4090, t4, cpu, ...).")
    if cfg.plan.recommend:
        from swift_cli.commands._recommend import print_recommendations

        print_recommendations(cfg, cfg.plan.task, as_json=cfg.plan.json)
        return 0
    if cfg.plan.task == "eval":  # inference memory for the batch swift eval serves
        from swift_cli.engine.eval.plan import print_eval_plan

        print_eval_plan(cfg, as_json=cfg.plan.json)
        return 0
    from swift_cli.engine.planning import print_plan

    print_plan(cfg, cfg.plan.task, as_json=cfg.plan.json)
    return 0  # a computed plan exits 0 whether it fits or not; `fits` carries the verdict
