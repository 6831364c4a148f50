"""Image-text fine-tuning figures on the tiny Qwen2-VL (issue 17), all through the `swift` CLI.

1. Held-out accuracy, trained vs base vs chance, per question kind (colour / shape / count) on drawn images.
2. The planner's estimate vs the measured peak of that training run (the run's own `memory:` line).
3. The vision share of `swift sft --dry_run` for Qwen2.5-VL-7B at MAX_PIXELS=1003520 (registry shape, offline).

Run: python bench/vl_tiny.py [--steps 120 --rows 360 --kinds colour shape count --keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.vl.shapes import CHANCE, write_dataset  # noqa: E402 - after the sys.path line above


def swift(*args, env=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "swift_cli", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, check=False)
    if proc.returncode != 0:
        sys.exit(f"swift {args[0]} failed:\n{proc.stderr[-3000:]}")
    return proc


def accuracy(result: Path) -> dict[str, tuple[int, int]]:
    from tests.vl.shapes import QUESTIONS

    kinds = {q: k for k, q in QUESTIONS.items()}
    out: dict[str, list[int]] = {}
    for line in result.read_text().splitlines():
        row = json.loads(line)
        kind = kinds[row["messages"][0]["content"].replace("<image>", "")]
        hit = row["response"].strip() == row["messages"][-1]["content"]
        out.setdefault(kind, [0, 0])
        out[kind][0] += hit
        out[kind][1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--rows", type=int, default=360)
    ap.add_argument("--test_rows", type=int, default=60)
    ap.add_argument("--kinds", nargs="+", default=["colour", "shape", "count"])
    ap.add_argument("--keep", default=None)
    a = ap.parse_args()
    work = Path(a.keep or tempfile.mkdtemp(prefix="vl_bench_"))
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; work dir {work}")
    model = work / "tiny-vl"
    if not model.exists():
        swift("tiny-model", "--arch", "qwen2_vl", "--out", model)
    train = write_dataset(work / "data", a.rows, seed=0, kinds=tuple(a.kinds), name="train.jsonl")
    test = write_dataset(work / "data", a.test_rows, seed=1, kinds=tuple(a.kinds), name="test.jsonl")
    start = time.time()
    run = swift("sft", "--model", model, "--dataset", train, "--train_type", "lora", "--freeze_vit", "false",
                "--freeze_aligner", "false", "--modules_to_save", "lm_head", "--learning_rate", "2e-3",
                "--per_device_train_batch_size", "8", "--gradient_checkpointing", "false", "--max_length", "128",
                "--max_steps", a.steps, "--save_steps", a.steps, "--report_to", "none", "--output_dir", work / "out")
    print(f"training: {a.steps} steps x 8 rows in {time.time() - start:.0f} s")
    memory = re.search(r"memory: .*", run.stdout)
    ckpt = max((work / "out").glob(f"v*/checkpoint-{a.steps}"))
    for name, args in (("trained", ["--adapters", ckpt]), ("base", ["--model", model])):
        out = work / f"{name}.jsonl"
        out.unlink(missing_ok=True)
        swift("infer", *args, "--val_dataset", test, "--result_path", out, "--max_new_tokens", "4")
        for kind, (hit, n) in sorted(accuracy(out).items()):
            print(f"{name:8s} {kind:7s} {hit}/{n} = {hit / n:.0%} (chance {CHANCE[kind]:.0%})")
    print(f"planner vs measured (tiny VL run): {memory.group(0) if memory else 'no memory line'}")
    plan = swift("sft", "--model", "Qwen/Qwen2.5-VL-7B-Instruct", "--dataset", "vqa.jsonl", "--dry_run", "true",
                 "--hardware", "a100-80g", "--torch_dtype", "bfloat16", env={"MAX_PIXELS": "1003520"})
    share = re.search(r"vision tower:.*?share of the estimate \d+%", plan.stdout.replace("\n", " "))
    peak = re.search(r"peak\s+([\d.]+)", plan.stdout)
    print(f"Qwen2.5-VL-7B LoRA, a100-80g, MAX_PIXELS=1003520: peak {peak.group(1) if peak else '?'} GiB; "
          f"{share.group(0) if share else 'no vision note'}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
