"""The planner for online RL: the training estimate from hardware.plan, GRPO's rollout on top
(hardware.memory_rl), --strict refusals with reasons; and the live monitor's generation-vs-training line."""
from __future__ import annotations

import dataclasses
import sys

from swift_cli.engine import planning
from swift_cli.errors import RequirementError, UsageError
from swift_cli.options.rl import beta_for

GIB = 2**30


def _rollout_inputs(cfg, plan, prompt_tokens: int):
    from hardware.memory_rl import RolloutInputs

    t, rl = cfg.train, cfg.rl
    dtype_bytes = 4 if plan.device_kind == "cpu" or "32" in cfg.model.torch_dtype else 2
    return RolloutInputs(per_device_batch=t.per_device_train_batch_size,
                         generation_batch=t.per_device_train_batch_size * t.gradient_accumulation_steps,
                         prompt_tokens=prompt_tokens, completion_tokens=rl.max_completion_length,
                         dtype_bytes=dtype_bytes, beta=beta_for(cfg.rlhf), full=cfg.tuner.train_type == "full",
                         vllm_colocate=rl.use_vllm and rl.vllm_mode == "colocate" and plan.device_kind == "cuda",
                         vllm_utilization=rl.vllm_gpu_memory_utilization,
                         device_total_bytes=plan.free_bytes)


def grpo_plan(cfg, prompt_tokens: int = 256):
    """(plan with GRPO's terms added, reasons it cannot fit)."""
    from hardware.memory_rl import grpo_peak, refusals

    seq = prompt_tokens + cfg.rl.max_completion_length
    base = planning.make_plan(dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, max_length=seq)), "sft",
                              {"max_tokens": seq}, free=False)
    inp = _rollout_inputs(cfg, base, prompt_tokens)
    out = grpo_peak(base.peak_bytes, base.breakdown.get("weights", 0), planning.model_spec(cfg), inp)
    breakdown = {**base.breakdown, **out.terms}
    plan = dataclasses.replace(base, task="grpo", peak_bytes=out.peak_bytes, breakdown=breakdown,
                               fits=out.peak_bytes <= base.free_bytes, notes=base.notes + out.notes)
    return plan, refusals(inp, base.free_bytes, out.peak_bytes)


def check(cfg):
    """Before a run: the plan the monitor compares against; --strict refuses what cannot fit (with reasons)."""
    try:
        if cfg.rlhf.rlhf_type != "grpo":
            return planning.make_plan(cfg, "dpo" if cfg.rlhf.rlhf_type == "rm" else "sft", None, free=False)
        plan, reasons = grpo_plan(cfg)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - an estimate we cannot make must not block training
        print(f"warning: no memory estimate ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
    if reasons:
        if cfg.train.strict:
            raise RequirementError("; ".join(reasons) + " (--strict)")
        for line in reasons:
            print(f"warning: {line}", file=sys.stderr)
    return plan


def show(cfg) -> None:
    """--dry_run: the plan table (GRPO terms included) without loading weights."""
    from rich.console import Console

    from hardware.report import render_plan

    plan, reasons = grpo_plan(cfg) if cfg.rlhf.rlhf_type == "grpo" else (planning.make_plan(cfg, "dpo", free=False), [])
    Console().print(render_plan(plan))
    for line in reasons:
        print(f"refused: {line}")


def phase_callback(monitor):
    """Feed the monitor's status line with the share of wall time spent generating rollouts vs training."""
    from transformers import TrainerCallback

    class PhaseShare(TrainerCallback):
        gen = total = 0.0

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = logs or {}
            if "time/generation_s" in logs and "step_time" in logs:
                self.gen += logs["time/generation_s"] or 0.0
                self.total += logs["step_time"] or 0.0
                if self.total > 0:
                    share = min(1.0, self.gen / self.total)
                    monitor.phase = f"generation {share:.0%} / training {1 - share:.0%}"

    return PhaseShare()
