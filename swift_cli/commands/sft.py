"""`swift sft`: parse → validate → plan → (dry run? show) → load data and model → train → report."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from swift_cli.options.compat import compat_group
from swift_cli.commands._common import fail_on, parse
from swift_cli.options.eval import TrainEvalArgs
from swift_cli.options.groups import DataArgs, ModelArgs, TrainArgs, TunerArgs
from swift_cli.options.tasks import TaskArgs, TaskLossArgs
from swift_cli.options.vision import VisionArgs

SUMMARY = "Supervised fine-tuning with LoRA / DoRA / QLoRA adapters or full weights (trl + peft)."


MsSftArgs = compat_group("pt", ModelArgs, DataArgs, TunerArgs, TrainArgs, TrainEvalArgs, VisionArgs, TaskArgs,
                         TaskLossArgs)  # pt ⊇ sft


@dataclass(frozen=True)
class SftConfig:
    model: ModelArgs
    data: DataArgs
    tuner: TunerArgs
    train: TrainArgs
    evalscope: TrainEvalArgs
    vision: VisionArgs
    tasks: TaskArgs
    task_loss: TaskLossArgs
    ms: MsSftArgs


AGENT_LOSS_SCALES = ("ignore_think_prefix", "react", "hermes", "qwen", "agentflan", "alpha_umi")


def loss_scale_problem(value: str) -> str | None:
    """ms-swift's --loss_scale: a strategy (default, last_round, all) and/or ignore_empty_think, joined by +; its
    agent-format weightings are refused by name."""
    parts = value.split("+")
    unknown = [p for p in parts if p not in ("default", "last_round", "all", "ignore_empty_think")]
    if not unknown:
        return None
    if all(p in AGENT_LOSS_SCALES for p in unknown):
        return (f"--loss_scale {value}: {', '.join(unknown)} re-weights agent spans (e.g. 2x on tool calls), which "
                "yichui does not do; --agent_template hermes/react_en labels the calls and answers (weight 1) and "
                "never the tool responses: use --loss_scale default")
    return f"--loss_scale {value}: unknown part {unknown[0]}; use default, last_round or all, optionally +ignore_empty_think"


def validate(cfg, task: str = "sft") -> list[str]:
    """Every problem with the options, one line each (pure apart from checking that paths exist)."""
    problems = []
    if not cfg.model.model and not cfg.model.adapters:
        problems.append("--model is required (a local dir, a ModelScope id, or a HF id with --use_hf true)")
    from swift_cli.engine.tuners import ms_only_problem

    if ms_only := ms_only_problem(cfg.tuner.train_type):
        problems.append(ms_only)
    if cfg.model.adapters and cfg.tuner.train_type == "full":
        problems.append("--adapters continues adapter training; it cannot be combined with --train_type full")
    if why := loss_scale_problem(cfg.data.loss_scale):
        problems.append(why)
    scored = getattr(getattr(cfg, "evalscope", None), "eval_use_evalscope", False)
    if cfg.train.eval_strategy not in (None, "no") and not (cfg.data.val_dataset or cfg.data.split_dataset_ratio > 0
                                                            or scored):
        problems.append(f"--eval_strategy {cfg.train.eval_strategy}: there are no validation rows to evaluate; give "
                        "--val_dataset FILE or --split_dataset_ratio 0.01, or --eval_use_evalscope true")
    if not cfg.data.dataset:
        problems.append("--dataset is required (a file, or a built-in name such as self-cognition)")
    if cfg.data.max_length < 8:
        problems.append(f"--max_length {cfg.data.max_length} is too small (at least 8)")
    if not 0 <= cfg.data.split_dataset_ratio < 1:
        problems.append(f"--split_dataset_ratio {cfg.data.split_dataset_ratio} must be in [0, 1)")
    t = cfg.train
    for flag in ("per_device_train_batch_size", "gradient_accumulation_steps", "logging_steps", "save_steps"):
        if getattr(t, flag) < 1:
            problems.append(f"--{flag} must be at least 1, got {getattr(t, flag)}")
    if t.max_steps <= 0 and t.num_train_epochs <= 0:
        problems.append("--num_train_epochs or --max_steps must be positive")
    if t.learning_rate is not None and t.learning_rate <= 0:
        problems.append(f"--learning_rate must be positive, got {t.learning_rate}")
    if cfg.tuner.train_type != "full" and cfg.tuner.lora_rank < 1:
        problems.append(f"--lora_rank must be at least 1, got {cfg.tuner.lora_rank}")
    if not 0 <= cfg.tuner.lora_dropout < 1:
        problems.append(f"--lora_dropout must be in [0, 1), got {cfg.tuner.lora_dropout}")
    if cfg.tuner.quant_bits not in (None, 4, 8):
        problems.append(f"--quant_bits must be 4 or 8, got {cfg.tuner.quant_bits}")
    problems += device_rule_problems(cfg)
    problems += task_problems(cfg, task)
    if t.resume_from_checkpoint and not Path(t.resume_from_checkpoint, "trainer_state.json").is_file():
        problems.append(f"--resume_from_checkpoint {t.resume_from_checkpoint}: not a checkpoint folder "
                        "(no trainer_state.json)")
    return problems


def task_problems(cfg, task: str) -> list[str]:
    """--task_type and its flags (options/tasks.py); the encoder tasks train with sft only."""
    from swift_cli.options.tasks import ENCODER_TASKS, problems, resolve

    if not hasattr(cfg, "tasks"):  # rlhf shares sft's checks and has no task types
        return []
    out = problems(cfg.tasks, cfg.task_loss.loss_type)
    kind = resolve(cfg.tasks).task_type
    if kind in ENCODER_TASKS and task != "sft":
        out.append(f"--task_type {kind}: trains with swift sft (swift {task} trains a causal LM)")
    return out


def device_rule_problems(cfg) -> list[str]:
    """What the config alone shows to be unrunnable (hardware.rules), before any download or model load."""
    from hardware.rules import deepspeed_value_problem
    from swift_cli.engine.models import TEMPLATES

    problems = []
    m, t = cfg.model, cfg.train
    if m.template and m.template not in TEMPLATES:
        problems.append(f"--template {m.template}: unknown; choose from {', '.join(sorted(TEMPLATES))}")
    if t.deepspeed and t.deepspeed.lower() not in ("none", "false") and (why := deepspeed_value_problem(t.deepspeed)):
        problems.append(why)
    if t.deepspeed and t.deepspeed.endswith(".json") and not Path(t.deepspeed).is_file():
        problems.append(f"--deepspeed {t.deepspeed}: no such file")
    if t.deepspeed and t.fsdp:
        problems.append("--deepspeed and --fsdp are two ways of sharding; pass one")
    return problems


def refuse_on_this_device(cfg) -> None:
    """The device rules (hardware.rules) for flags that need GPUs (DeepSpeed, FSDP, bitsandbytes), right after
    validation and before a torchrun relaunch: only torch is imported to learn the device, not the training engines.
    A dry run skips this: its plan says the same."""
    t, tuner = cfg.train, cfg.tuner
    if t.dry_run or not (t.deepspeed or t.fsdp or tuner.train_type == "qlora" or tuner.quant_bits):
        return
    from hardware.rules import training_refusals
    from swift_cli.engine.models import pick_device
    from swift_cli.errors import RequirementError

    if refusals := training_refusals(pick_device(t.use_cpu), tuner.train_type, tuner.quant_bits, t.deepspeed, t.fsdp):
        raise RequirementError(refusals[0])


def main(argv: list[str], prog: str = "swift sft", task: str = "sft", summary: str = SUMMARY) -> int:
    """Run the command; returns the exit code."""
    _, cfg = parse(SftConfig, argv, prog, summary)
    fail_on(validate(cfg, task))
    refuse_on_this_device(cfg)
    from swift_cli.engine import launch

    if (code := launch.relaunch_if_requested(task, argv, cfg)) is not None:  # NPROC_PER_NODE / NNODES
        return code
    launch.init_worker()
    from swift_cli.engine import pipeline

    if cfg.train.dry_run:
        pipeline.show_plan(cfg, task)
        return 0
    from swift_cli.options.tasks import ENCODER_TASKS, resolve

    kind = resolve(cfg.tasks).task_type
    if kind in ENCODER_TASKS:
        from swift_cli.engine.tasks.run import run

        result = run(cfg, task)
    else:
        result = pipeline.train_run(cfg, task)
    if not launch.is_rank0():
        return 0
    print(f"\nlast checkpoint: {result.checkpoint}")
    if kind in ENCODER_TASKS:
        print(f"try it: swift infer {'--model' if cfg.tuner.train_type == 'full' else '--adapters'} "
              f"{result.checkpoint} --val_dataset YOUR_ROWS.jsonl   (or --query TEXT)")
        return 0
    print(f"try it: swift infer --adapters {result.checkpoint} --query \"who are you?\""
          if cfg.tuner.train_type != "full" else f"try it: swift infer --model {result.checkpoint} --query \"hi\"")
    sys.stdout.flush()
    return 0
