"""GRPO step time: `swift rlhf --rlhf_type grpo` (rollouts through engine/rl/fast_rollout.py) against a plain trl
GRPOTrainer script at equal settings (same model, task, LoRA, generations, lengths, batch, beta, temperature,
learning rate), alternating in one run; prints the median step time of each, their ratio and both reward curves.

    python bench/grpo_vs_trl.py --model DIR [--steps 12] [--rounds 2] [--reward format|accuracy]

The task is tests/rl/task.py's sums (--reward format: <think>/<answer> tags; accuracy: the right sum). Step times skip the first step (warm-up).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.rl.task import write_format_task  # noqa: E402

SETTINGS = dict(num_generations=8, max_completion_length=12, per_device_train_batch_size=8, learning_rate=1e-4,
                beta=0.04, temperature=0.9, lora_rank=8, lora_alpha=32, lora_dropout=0.0)

PLAIN_TRL = r'''
import json, sys, time
from datasets import load_dataset
from peft import LoraConfig
from transformers import TrainerCallback
from trl import GRPOConfig, GRPOTrainer
model, data, out, steps, s = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5])
sys.path.insert(0, sys.argv[6])
reward = sys.argv[7]
from swift_cli.engine.rl.rewards import builtin
from swift_cli.options.rl import RlArgs
class Timer(TrainerCallback):
    rows = []
    def on_step_begin(self, args, state, control, **kw): self.t = time.perf_counter()
    def on_step_end(self, args, state, control, **kw): self.rows.append({"step_time": time.perf_counter() - self.t})
    def on_log(self, args, state, control, logs=None, **kw):
        if logs and f"rewards/{reward}/mean" in logs and self.rows: self.rows[-1]["reward"] = logs[f"rewards/{reward}/mean"]
timer = Timer()
args = GRPOConfig(output_dir=out, max_steps=steps, per_device_train_batch_size=s["per_device_train_batch_size"],
                  num_generations=s["num_generations"], max_completion_length=s["max_completion_length"],
                  learning_rate=s["learning_rate"], beta=s["beta"], temperature=s["temperature"], logging_steps=1,
                  report_to="none", save_strategy="no", gradient_checkpointing=False, use_cpu=True, bf16=False)
peft = LoraConfig(r=s["lora_rank"], lora_alpha=s["lora_alpha"], lora_dropout=s["lora_dropout"], target_modules="all-linear",
                  task_type="CAUSAL_LM")
rows = load_dataset("json", data_files=data, split="train").map(lambda r: {"prompt": r["messages"]})
trainer = GRPOTrainer(model=model, reward_funcs=[builtin(reward, RlArgs())], args=args, train_dataset=rows,
                      peft_config=peft, callbacks=[timer])
trainer.train()
print("ROWS " + json.dumps(timer.rows))
'''


def ours(model: Path, data: Path, out: Path, steps: int, reward: str) -> list[dict]:
    s = SETTINGS
    cmd = [sys.executable, "-m", "swift_cli", "rlhf", "--rlhf_type", "grpo", "--model", str(model), "--dataset",
           str(data), "--reward_funcs", reward, "--max_steps", str(steps), "--logging_steps", "1",
           "--gradient_checkpointing", "false", "--report_to", "none", "--save_strategy", "no", "--output_dir",
           str(out), *[x for k, v in s.items() for x in (f"--{k}", str(v))]]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"swift rlhf failed:\n{proc.stderr[-3000:]}")
    log = next(out.glob("v*/logging.jsonl"))
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    return [{"step_time": r["step_time"], "reward": r.get(f"rewards/{reward}/mean")} for r in rows if "step_time" in r]


def plain(model: Path, data: Path, out: Path, steps: int, reward: str) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", PLAIN_TRL, str(model), str(data), str(out), str(steps),
                           json.dumps(SETTINGS), str(Path(__file__).resolve().parents[1]), reward], capture_output=True,
                          text=True)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("ROWS ")), None)
    if line is None:
        raise SystemExit(f"plain trl failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[5:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--reward", default="format", choices=("format", "accuracy"),
                    help="format: <think>/<answer> tags; accuracy: the sum is right (math_verify)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="grpo_vs_trl_"))
    data = write_format_task(work)["prompts"]
    print(f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; settings {SETTINGS}")
    times: dict[str, list[float]] = {"ours": [], "trl": []}
    for r in range(args.rounds):
        for name, fn in (("trl", plain), ("ours", ours)):
            t0 = time.monotonic()
            rows = fn(args.model, data, work / f"{name}{r}", args.steps, args.reward)
            step = [x["step_time"] for x in rows[1:]]
            times[name] += step
            rewards = [round(x["reward"], 2) for x in rows if x.get("reward") is not None]
            print(f"round {r} {name:4s}: median step {statistics.median(step):.2f} s over {len(step)} steps "
                  f"(run {time.monotonic() - t0:.0f} s); {args.reward} reward per step {rewards}", flush=True)
    m = {k: statistics.median(v) for k, v in times.items()}
    print(f"median step: ours {m['ours']:.2f} s, plain trl {m['trl']:.2f} s -> ours is {m['trl'] / m['ours']:.2f}x "
          f"(load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
