"""Limits the service enforces on a running job: the wall-clock cap (SkyPilot has no such field) and idle
detection (no new training step for N minutes). Either stops the job the way Ctrl-C does: a checkpoint first."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from jobs.table import Job


@dataclass(frozen=True)
class Breach:
    kind: str      # 'runtime' or 'idle'
    message: str


def last_progress(job: Job) -> float:
    """When the job last made progress: its run folder's logging.jsonl written, else its start."""
    times = [job.started or time.time()]
    if job.run_dir and (Path(job.run_dir) / "logging.jsonl").is_file():
        times.append((Path(job.run_dir) / "logging.jsonl").stat().st_mtime)
    return max(times)


def breach(job: Job, max_runtime_s: float | None, idle_s: float | None, now: float | None = None) -> Breach | None:
    """The limit a running job has passed, if any."""
    if job.status != "running" or not job.started:
        return None
    now = time.time() if now is None else now
    ran = now - job.started
    if max_runtime_s is not None and ran > max_runtime_s:
        return Breach("runtime", f"runtime cap reached ({_dur(max_runtime_s)}): stopped with a checkpoint")
    quiet = now - last_progress(job)
    if idle_s is not None and quiet > idle_s:
        return Breach("idle", f"idle for {_dur(quiet)} (no training step; limit {_dur(idle_s)}): stopped with a "
                              f"checkpoint")
    return None


def _dur(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"
