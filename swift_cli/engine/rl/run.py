"""`swift rlhf --rlhf_type grpo|rm|ppo|gkd`: the same road as sft/dpo (run folder, args.json, logging.jsonl,
tensorboard, loss.png/rewards.png, resource monitor, Ctrl-C and --max_runtime, failure hints) with trl's trainers."""
from __future__ import annotations

import shutil
import sys
import time

from swift_cli.engine import pipeline, runs, train
from swift_cli.errors import RequirementError

PPO_MISSING = ("--rlhf_type ppo: trl {version} ships no PPO trainer (PPOTrainer was removed from trl, and "
               "trl.experimental has none); train the policy against the same reward model with --rlhf_type grpo "
               "--reward_model RM_DIR")


def main(cfg) -> int:
    """Run (or --dry_run plan) the command; prints the last checkpoint and what to try next."""
    kind = cfg.rlhf.rlhf_type
    if kind == "ppo":
        import trl

        raise RequirementError(PPO_MISSING.format(version=trl.__version__))
    if cfg.train.dry_run:
        from swift_cli.engine.rl import memory_plan

        memory_plan.show(pipeline.with_model_from_adapters(cfg))
        return 0
    result = rl_run(cfg)
    from swift_cli.engine import launch

    if not launch.is_rank0():
        return 0
    print(f"\nlast checkpoint: {result.checkpoint}")
    if kind == "rm":
        print(f"try it: swift rm-score --model {result.checkpoint} --dataset PAIRS.jsonl")
    else:
        print(f"try it: swift infer --adapters {result.checkpoint} --query \"...\"" if cfg.tuner.train_type != "full"
              else f"try it: swift infer --model {result.checkpoint} --query \"...\"")
    sys.stdout.flush()
    return 0


def rl_run(cfg) -> pipeline.Result:
    from swift_cli.engine import hints

    cfg = pipeline.with_model_from_adapters(cfg)
    with hints.guard(cfg, "dpo", "rlhf"):
        return _rl_run(cfg)


def _inputs(cfg, tokenizer=None):
    """(train rows, validation rows, reward callables): read and checked before the run folder exists."""
    from swift_cli.engine.rl import data, plugins

    kind = cfg.rlhf.rlhf_type
    if kind == "grpo":
        rows, val = data.collect(cfg, data.to_prompt_row)
        funcs = plugins.resolve(cfg.rl.reward_funcs, cfg.rl, cfg.rl.external_plugins)
        plugins.probe(funcs, rows[0])
        return rows, val, funcs
    if kind == "gkd":
        rows, val = data.collect(cfg, data.sft_row)
        return rows, val, []
    items, val = pipeline.preference_items(cfg, tokenizer)
    return items, val, []


def _rl_run(cfg) -> pipeline.Result:
    from swift_cli.engine.rl import gkd, grpo, memory_plan, reward_model

    start = time.perf_counter()
    kind = cfg.rlhf.rlhf_type
    cfg, monitor, deadline, _ = pipeline.cockpit_start(cfg, "dpo", planner=memory_plan.check)  # planned once
    runs.check_writable(pipeline.output_root(cfg))
    if kind == "grpo":  # rewards and plugins fail fast, before the weights load
        rows, val, funcs = _inputs(cfg)
    loaded = pipeline.load_base(cfg)
    if kind != "grpo":
        rows, val, funcs = _inputs(cfg, loaded.tokenizer)
    run_dir = pipeline.start_run(cfg, kind, loaded, {"rows": len(rows), "val_rows": len(val)})
    try:
        if kind == "grpo":
            trainer = grpo.build_trainer(cfg, loaded, rows, val, run_dir, funcs)
            trainer.add_callback(memory_plan.phase_callback(monitor))
        elif kind == "rm":
            trainer = reward_model.build_trainer(cfg, loaded, rows, val, run_dir)
        else:
            trainer = gkd.build_trainer(cfg, loaded, rows, val, run_dir)
        ckpt = train.run(trainer, run_dir, cfg.train.resume_from_checkpoint, f"{kind} {loaded.model_dir.name}",
                         model_dir=loaded.model_dir, **pipeline.cockpit_run(cfg, "rlhf", monitor, deadline))
    except BaseException:
        # A run that failed before its first checkpoint (a plugin raising mid-rollout, a trainer refusing its
        # arguments) leaves no half-written folder behind; one with checkpoints is kept for --resume_from_checkpoint.
        if cfg.train.add_version and runs.last_checkpoint(run_dir) is None and not cfg.train.resume_from_checkpoint:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    return pipeline.Result(run_dir, ckpt, time.perf_counter() - start)
