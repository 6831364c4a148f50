"""`swift rlhf --rlhf_type dpo|orpo|kto|simpo|cpo|grpo|rm|ppo|gkd` (and `swift dpo`): alignment via trl."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.options.compat import compat_group
from swift_cli.commands._common import fail_on, parse
from swift_cli.commands.sft import refuse_on_this_device, validate as validate_sft
from swift_cli.options import rl
from swift_cli.options.groups import DataArgs, ModelArgs, RlhfArgs, TrainArgs, TunerArgs

SUMMARY = ("Preference training (DPO, ORPO, CPO, SimPO, KTO), reward models (rm) and online RL (GRPO with reward "
           "functions, GKD) from an SFT adapter (--adapters) or LoRA/full from scratch; every sft flag applies.")


MsRlhfArgs = compat_group("rlhf", RlhfArgs, ModelArgs, DataArgs, TunerArgs, TrainArgs, rl.RlArgs)


@dataclass(frozen=True)
class RlhfConfig:
    rlhf: RlhfArgs
    model: ModelArgs
    data: DataArgs
    tuner: TunerArgs
    train: TrainArgs
    rl: rl.RlArgs
    ms: MsRlhfArgs


def validate(cfg) -> list[str]:
    """sft's checks plus the alignment-specific ones."""
    problems = validate_sft(cfg)
    problems += rl.validate(cfg)
    if cfg.rlhf.beta is not None and cfg.rlhf.beta <= 0 and cfg.rlhf.rlhf_type not in rl.RL_TYPES:
        problems.append(f"--beta must be positive, got {cfg.rlhf.beta}")
    if cfg.rlhf.rpo_alpha is not None and cfg.rlhf.rlhf_type != "dpo":
        problems.append("--rpo_alpha applies to --rlhf_type dpo only")
    if cfg.data.loss_scale != "default":
        import sys

        print(f"note: --loss_scale {cfg.data.loss_scale}: no effect on rlhf (trl weighs its own losses)",
              file=sys.stderr)
    if cfg.data.agent_template:
        import sys

        print(f"note: --agent_template {cfg.data.agent_template}: no effect on rlhf (preference rows are rendered "
              "by the chat template; tool-calling rows train with swift sft)", file=sys.stderr)
    if cfg.rlhf.ref_model and cfg.tuner.train_type != "full":
        problems.append("--ref_model is for --train_type full; LoRA uses the base (or the SFT adapter) as reference")
    return problems


def main(argv: list[str], prog: str = "swift rlhf", fixed_type: str | None = None) -> int:
    if fixed_type:
        argv = ["--rlhf_type", fixed_type, *argv]
    _, cfg = parse(RlhfConfig, argv, prog, SUMMARY)
    cfg = rl.fill_defaults(cfg)
    fail_on(validate(cfg))
    refuse_on_this_device(cfg)
    from swift_cli.engine import launch

    if (code := launch.relaunch_if_requested("rlhf", argv, cfg)) is not None:  # NPROC_PER_NODE / NNODES
        return code
    launch.init_worker()
    from swift_cli.engine import pipeline

    if cfg.rlhf.rlhf_type in rl.RL_TYPES:
        from swift_cli.engine.rl import run

        return run.main(cfg)
    if cfg.train.dry_run:
        pipeline.show_plan(cfg, "dpo")
        return 0
    result = pipeline.align_run(cfg)
    if not launch.is_rank0():
        return 0
    print(f"\nlast checkpoint: {result.checkpoint}")
    print(f"try it: swift infer --adapters {result.checkpoint} --query \"who are you?\"")
    return 0
