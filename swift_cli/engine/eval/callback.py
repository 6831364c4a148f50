"""`swift sft ... --eval_use_evalscope true`: score every saved checkpoint with `swift eval`.

Each checkpoint is scored by a `swift eval` subprocess (the training process keeps its model, optimizer and
RNG state untouched; the child loads the saved checkpoint as a user would). Scores go to logging.jsonl as
`evalscope/<dataset>` at the checkpoint's step, to TensorBoard when it is a report target, and the run folder
keeps each evaluation under evalscope_eval/.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from transformers import TrainerCallback


def eval_argv(ev, checkpoint: Path, full: bool, out: Path) -> list[str]:
    argv = ["--model" if full else "--adapters", str(checkpoint), "--eval_output_dir", str(out)]
    if ev.eval_dataset:
        argv += ["--eval_dataset", *ev.eval_dataset]
    if ev.eval_limit:
        argv += ["--eval_limit", str(ev.eval_limit)]
    for flag in ("eval_dataset_args", "eval_generation_config"):
        if getattr(ev, flag):
            argv += [f"--{flag}", getattr(ev, flag)]
    return argv


class EvalScopeCallback(TrainerCallback):
    """Scores the starting model at step 0 (the "before"), then every saved checkpoint (the "after")."""

    def __init__(self, ev, run_dir: Path, full: bool, base_model: Path):
        self.ev, self.run_dir, self.full, self.base_model = ev, run_dir, full, base_model
        self.scores: dict[int, dict] = {}

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero and state.global_step == 0:  # not again when resuming
            self._score(args, state, 0, self.base_model, "base", full=True)

    def on_save(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            step = state.global_step
            self._score(args, state, step, Path(args.output_dir) / f"checkpoint-{step}", f"checkpoint-{step}",
                        self.full)

    def _score(self, args, state, step: int, model: Path, label: str, full: bool) -> None:
        out = self.run_dir / "evalscope_eval" / label
        proc = subprocess.run([sys.executable, "-m", "swift_cli", "eval", *eval_argv(self.ev, model, full, out)],
                              capture_output=True, text=True, check=False)
        reports = sorted(out.glob("*/eval_report.json"))
        if proc.returncode != 0 or not reports:
            last = (proc.stderr.strip().splitlines() or ["no report"])[-1]
            print(f"warning: evalscope scoring of {label} failed: {last}", file=sys.stderr, flush=True)
            return
        report = json.loads(reports[-1].read_text(encoding="utf-8"))
        scores = {f"evalscope/{name}": res["score"] for per in report["models"].values() for name, res in per.items()}
        self.scores[step] = scores
        record = {"step": step, "max_steps": state.max_steps, **scores, "time": round(time.time(), 3)}
        with (self.run_dir / "logging.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
        if "tensorboard" in (args.report_to or []):
            import os

            from torch.utils.tensorboard import SummaryWriter

            log_dir = os.environ.get("TENSORBOARD_LOGGING_DIR") or str(Path(args.output_dir) / "runs" / "evalscope")
            with SummaryWriter(log_dir=log_dir) as writer:
                for key, value in scores.items():
                    writer.add_scalar(key, value, step)
        shown = ", ".join(f"{k.split('/', 1)[1]} {v:.3f}" for k, v in scores.items())
        print(f"{label} scored: {shown}", flush=True)
