"""The task types learn on the real SmolLM2-135M-Instruct: `swift sft --task_type seq_cls | embedding | reranker`
(LoRA) on the synthetic topic data of tests/tasks/synth.py, each measured with `swift infer --val_dataset` on a
held-out split before (the base with a fresh head) and after training:
  - seq_cls: accuracy (2 classes);
  - embedding: mean(cos(anchor, positive) - max cos(anchor, negative)) and how often the positive is closest;
  - reranker (the hard variant: any topic asked, negatives on the others): how often the positive ranks first.
Always exits 0 after printing; the figures say what happened.

Run: nice -n 5 python bench/task_types_real.py [--model DIR] [--steps 12 --batch 4 --test_rows 40 --lr 5e-4]
     [--only seq_cls embedding reranker]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.tasks import synth  # noqa: E402

TASKS = {  # task: (rows maker, sft flags, learning rate)
    "seq_cls": (lambda n, seed: synth.seq_cls_rows(n, seed), ["--num_labels", "2"], "5e-4"),
    "embedding": (lambda n, seed: synth.embedding_rows(n, seed), ["--loss_type", "infonce"], "5e-4"),
    "reranker": (lambda n, seed: synth.reranker_rows(n, seed, negatives=2, hard=True), [], "5e-4"),
}


def swift(*args) -> str:
    cmd = [sys.executable, "-m", "swift_cli", *map(str, args)]
    print("$ swift " + " ".join(map(str, args)), flush=True)
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode:
        print(f"  failed ({proc.returncode}): {proc.stderr[-1500:]}", flush=True)
        return ""
    return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""


def run(task: str, model: str, work: Path, steps: int, batch: int, lr: str | None, test_rows: int) -> None:
    make, flags, default_lr = TASKS[task]
    train = synth.write(work / f"{task}_train.jsonl", make(batch * steps, 1))
    test = synth.write(work / f"{task}_test.jsonl", make(test_rows, 2))
    before = swift("infer", "--model", model, "--task_type", task, *flags[:2] if task == "seq_cls" else (),
                   "--val_dataset", test)
    start = time.monotonic()
    swift("sft", "--model", model, "--task_type", task, *flags, "--dataset", train, "--max_steps", steps,
          "--save_steps", steps, "--per_device_train_batch_size", batch,
          "--learning_rate", lr or default_lr, "--logging_steps", 1, "--report_to", "none", "--output_dir", work / task)
    wall = time.monotonic() - start
    ckpts = sorted((work / task).glob(f"v*/checkpoint-{steps}"))
    after = swift("infer", "--adapters", ckpts[-1], "--val_dataset", test) if ckpts else "(no checkpoint)"
    print(f"{task}: before: {before}\n{task}: after {steps} steps ({wall:.0f} s): {after}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="the SmolLM2 folder (default: swift download's offline copy)")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", help="learning rate (default: per task)")
    ap.add_argument("--test_rows", type=int, default=40)
    ap.add_argument("--only", nargs="+", default=list(TASKS), choices=list(TASKS))
    args = ap.parse_args()
    if args.model:
        model = args.model
    else:
        from swift_cli import mainjob

        model = str(mainjob.real_model_dir())
    work = Path(tempfile.mkdtemp(prefix="tasks-real-"))
    with open("/proc/loadavg") as fh:
        print(f"model {model}; load average {fh.read().split()[0]}", flush=True)
    for task in args.only:
        run(task, model, work, args.steps, args.batch, args.lr, args.test_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
