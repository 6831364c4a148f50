"""Keep EvalScope's (and the model loader's) console output in a log file, and show our own progress bar.

EvalScope logs through its own handlers and tqdm bars on stdout/stderr; rather than chase each logger, the
process's file descriptors 1 and 2 point at the log while an evaluation runs, and our rich progress bar writes
to a duplicate of the real stderr. Progress comes from EvalScope's own tracker file (progress.json in the
work dir: processed_count / total_count), polled twice a second.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from pathlib import Path


@contextlib.contextmanager
def output_to(log_path: Path):
    """Point fds 1 and 2 (and sys.stdout/stderr) at log_path; yield a text stream on the real stderr."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    screen = os.fdopen(os.dup(saved_err), "w", buffering=1, encoding="utf-8", errors="replace")
    log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in finally
    try:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        yield screen
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        os.close(saved_out)
        os.close(saved_err)
        log.close()
        screen.close()


class ProgressBar:
    """A rich bar with ETA fed by EvalScope's progress.json; prints nothing live when not on a terminal."""

    def __init__(self, screen, progress_file: Path, label: str, total: int | None, status=None):
        from rich.console import Console

        from swift_cli.engine.monitor import progress_bar

        self.file = progress_file
        self.console = Console(file=screen, stderr=True)
        self.progress = progress_bar(status=status, console=self.console)  # status: the resource monitor's line
        self.total = total  # None: unknown (hub data), the bar then counts without an ETA
        self.task = self.progress.add_task(label, total=total)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True, name="eval-progress")

    def _read(self) -> dict | None:
        try:
            return json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            state = self._read()
            if state:
                self.progress.update(self.task, completed=state["processed_count"])

    def finish(self) -> None:
        state = self._read()
        done = state["processed_count"] if state else 0
        self.progress.update(self.task, total=self.total or done, completed=self.total or done)

    def __enter__(self):
        with contextlib.suppress(OSError):
            self.file.unlink()
        self.progress.start()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.progress.stop()
