"""The RL demonstration, printed as figures: GRPO learns the <think>/<answer> format (logged reward first vs last,
held-out greedy before vs after, KL bound), a reward model learns held-out pairs (pair accuracy before vs after),
GKD's distillation loss falls. Every run is a `swift` subprocess on the tiny model (or --model DIR).

    python bench/rl_grpo.py [--model DIR] [--steps 40] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from swift_cli.engine import runs
from tests.rl.evaluate import greedy_rewards
from tests.rl.task import WARM_SFT, write_format_task


def swift(*args) -> None:
    proc = subprocess.run([sys.executable, "-m", "swift_cli", *map(str, args)], capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"failed ({proc.returncode}): swift {' '.join(map(str, args))}\n{proc.stderr[-2000:]}")


def mean(xs):
    return sum(xs) / len(xs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="a model folder (default: build the tiny model)")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--keep", help="work folder to keep (default: a temp dir)")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="rl_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; work folder {work}")
    model = Path(args.model) if args.model else work / "tiny"
    if not args.model and not (model / "config.json").is_file():
        swift("tiny-model", "--out", model)
    task = write_format_task(work)

    swift("sft", "--model", model, "--dataset", task["sft"], *WARM_SFT, "--output_dir", work / "warm")
    warm = runs.last_checkpoint(next((work / "warm").glob("v*")))
    swift("rlhf", "--rlhf_type", "grpo", "--adapters", warm, "--dataset", task["prompts"], "--reward_funcs", "format",
          "--num_generations", "4", "--per_device_train_batch_size", "8", "--max_completion_length", "32",
          "--max_steps", args.steps, "--logging_steps", "1", "--learning_rate", "1e-3", "--gradient_checkpointing",
          "false", "--save_steps", args.steps, "--report_to", "none", "--output_dir", work / "grpo")
    run = next((work / "grpo").glob("v*"))
    log = [r for r in runs.read_log(run) if "rewards/format/mean" in r]
    first, last = mean([r["rewards/format/mean"] for r in log[:2]]), mean([r["rewards/format/mean"] for r in log[-4:]])
    before = greedy_rewards(model, warm, task["held"])
    after = greedy_rewards(model, runs.last_checkpoint(run), task["held"])
    gen = sum(r["time/generation_s"] for r in log) / sum(r["step_time"] for r in log)
    print(f"GRPO format reward: first 2 steps {first:.2f} -> last 4 steps {last:.2f} ({last - first:+.2f}); "
          f"KL max {max(r['kl'] for r in log):.3f}; generation {gen:.0%} of step time")
    print(f"GRPO held-out greedy format: {before['format']:.2f} -> {after['format']:.2f} "
          f"(e.g. {after['samples'][0]!r})")
    print(json.dumps({"grpo_reward_first": first, "grpo_reward_last": last, "held_before": before["format"],
                      "held_after": after["format"]}))


if __name__ == "__main__":
    main()
