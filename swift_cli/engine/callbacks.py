"""Trainer callbacks: JSON-lines log, rich progress bar, Ctrl-C → checkpoint and stop."""
from __future__ import annotations

import json
import math
import signal
import time
from pathlib import Path

from transformers import TrainerCallback


def memory_figures() -> dict:
    """Process RSS, and the CUDA allocator's peak when a GPU is in use."""
    import psutil
    import torch

    out = {"memory_rss_mib": round(psutil.Process().memory_info().rss / 2**20, 1)}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        out["memory_cuda_max_allocated_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return out


class JsonlLogger(TrainerCallback):
    """Append each log record (loss, lr, grad norm, tokens/s, memory) to logging.jsonl (rank 0 only)."""

    def __init__(self, path: Path, total_steps_hint: int | None = None, extra=None):
        self.path = path
        self.extra = extra  # () -> dict of more figures per record (the resource monitor's)
        self._t = time.perf_counter()
        self._tokens = 0

    def on_train_begin(self, args, state, control, **kwargs):
        self._t = time.perf_counter()
        self._tokens = state.num_input_tokens_seen or 0

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        now = time.perf_counter()
        record = {"step": state.global_step, "max_steps": state.max_steps, **logs}
        seen = state.num_input_tokens_seen or 0
        if seen:
            record["tokens_seen"] = seen
        if seen and "loss" in logs:
            record["tokens_per_sec"] = round((seen - self._tokens) / max(now - self._t, 1e-9), 1)
            self._t, self._tokens = now, seen
        if seen and "train_runtime" in logs:  # the run's summary: whole-run throughput
            record["tokens_per_sec"] = round(seen / max(logs["train_runtime"], 1e-9), 1)
        record.update(memory_figures())
        if self.extra is not None:
            record.update(self.extra())
        record["time"] = round(time.time(), 3)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


class RichProgress(TrainerCallback):
    """One progress bar with step, loss and ETA, replacing transformers' tqdm and dict printing."""

    def __init__(self, description: str = "training", status=None):
        self.description = description
        self.status = status  # () -> str shown as one line under the bar (the resource monitor's)
        self.progress = None
        self.task = None
        self.loss = float("nan")

    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        from rich.progress import TextColumn

        from swift_cli.engine.monitor import progress_bar

        self.progress = progress_bar(TextColumn("loss {task.fields[loss]}"), status=self.status)
        self.progress.start()
        self.task = self.progress.add_task(self.description, total=state.max_steps, completed=state.global_step,
                                           loss="-")

    def on_step_end(self, args, state, control, **kwargs):
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.progress is not None and logs and "loss" in logs:
            self.progress.update(self.task, loss=f"{logs['loss']:.4f}")

    def on_train_end(self, args, state, control, **kwargs):
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


class InterruptToCheckpoint(TrainerCallback):
    """First Ctrl-C: finish the step, save a checkpoint, stop. A second Ctrl-C aborts at once. The same happens
    when time.monotonic() passes `deadline` (--max_runtime); `timed_out` tells which."""

    def __init__(self, deadline: float | None = None):
        self.interrupted = False
        self.timed_out = False
        self.deadline = deadline
        self._previous = None

    def install(self) -> "InterruptToCheckpoint":
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum, frame):
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True

    def on_step_end(self, args, state, control, **kwargs):
        if self.deadline is not None and not self.interrupted and time.monotonic() >= self.deadline:
            self.interrupted = self.timed_out = True
        if self.interrupted:
            control.should_save = True
            control.should_training_stop = True
        return control


def processor_files_callback(model_dir: Path):
    """Every checkpoint gets the base model's processor files (image processor, processor and chat-template
    files; the trainer saves only the tokenizer), so a full or VL checkpoint loads in infer/deploy/eval/export."""
    from swift_cli.engine.vl.processor import copy_processor_files

    class CopyProcessorFiles(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if ckpt.is_dir():
                copy_processor_files(model_dir, ckpt)

    return CopyProcessorFiles()


def nonfinite_callback():
    """A TrainerCallback that stops training and saves the state when the logged loss (or grad norm) is NaN/inf;
    `.step`, `.value` tell what happened (None while all is well)."""
    class StopOnNonFinite(TrainerCallback):
        step: int | None = None
        value: float | None = None
        key: str = "loss"

        def on_log(self, args, state, control, logs=None, **kwargs):
            for key in ("loss", "grad_norm"):
                v = (logs or {}).get(key)
                if isinstance(v, (int, float)) and not math.isfinite(v) and self.step is None:
                    self.step, self.value, self.key = state.global_step, v, key.replace("_", " ")
                    control.should_save = True
                    control.should_training_stop = True
            return control

    return StopOnNonFinite()
