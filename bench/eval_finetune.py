"""Did the fine-tune help? LoRA on the training split of yichui_math, then `swift eval` scores the base and the
adapter in ONE run (the model is loaded once; --eval_base true) on the held-out yichui_math test split and on the
general yichui_mcq set, and prints the per-dataset difference with its paired 95% bootstrap interval.

    python bench/eval_finetune.py --model ~/.yichui/models/smollm2-135m-instruct --out /tmp/eval_ft \
        [--steps 120] [--limit 40] [--max_tokens 48]

120 steps of batch 4 is one epoch of the 480 training rows; --limit 40 scores every test item (40 en + 40 zh).

Prints the commands it runs and their outputs (the tables); figures are measured in this one run.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def swift(*args: str) -> str:
    cmd = [sys.executable, "-m", "swift_cli", *map(str, args)]
    print("$ swift " + " ".join(map(str, args)), flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    print(proc.stdout[-6000:], flush=True)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {proc.stderr[-3000:]}")
    print(f"[{time.perf_counter() - start:.0f} s]", flush=True)
    return proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--max_tokens", type=int, default=48)
    a = ap.parse_args()
    from swift_cli.engine.eval.builtin import train_rows

    a.out.mkdir(parents=True, exist_ok=True)
    train = a.out / "yichui_math_train.jsonl"
    rows = train_rows("en") + train_rows("zh")
    train.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} training rows (yichui_math train split, en + zh; the test split is disjoint)")
    swift("sft", "--model", a.model, "--dataset", train, "--train_type", "lora", "--lora_rank", "16",
          "--max_steps", a.steps, "--save_steps", a.steps, "--per_device_train_batch_size", "4", "--logging_steps", "2",
          "--learning_rate", "5e-4", "--max_length", "128", "--gradient_checkpointing", "false",
          "--report_to", "none", "--output_dir", a.out / "sft")
    (ckpt,) = (a.out / "sft").glob(f"v*/checkpoint-{a.steps}")
    swift("eval", "--adapters", ckpt, "--eval_base", "true", "--eval_dataset", "yichui_math", "yichui_mcq",
          "--eval_limit", a.limit, "--eval_generation_config", json.dumps({"max_tokens": a.max_tokens}),
          "--eval_output_dir", a.out / "eval")


if __name__ == "__main__":
    main()
