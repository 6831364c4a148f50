"""Limits the service enforces on a running job: the wall-clock cap (SkyPilot has no such field) and idle
detection (no new training step for N minutes, counted from the last step seen; a job that has not reached its
first step is starting, and only the runtime cap applies to it). Either stops the job the way Ctrl-C does: a
checkpoint first."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from jobs.table import Job


@dataclass(frozen=True)
class Breach:
    kind: str      # 'runtime' or 'idle'
    message: str


def last_step_time(job: Job, records: list[dict]) -> tuple[int, float] | None:
    """(step, time): when this run of the job last reached a new training step: the `time` of the first logging.jsonl record
    carrying its highest step (records of a run before a resume, older than the job's start, do not count).
    None before the first step: a job still loading its model or data is starting, not idle."""
    since = job.started or 0.0
    best_step, best_time = 0, None
    for rec in records:
        step, at = rec.get("step"), rec.get("time")
        if isinstance(step, int) and isinstance(at, (int, float)) and at >= since and step > best_step:
            best_step, best_time = step, float(at)
    return None if best_time is None else (best_step, best_time)


def breach(job: Job, max_runtime_s: float | None, idle_s: float | None, now: float | None = None,
           records: list[dict] | None = None) -> Breach | None:
    """The limit a running job has passed, if any. `records`: its logging.jsonl records (read when None)."""
    if job.status != "running" or not job.started:
        return None
    now = time.time() if now is None else now
    ran = now - job.started
    if max_runtime_s is not None and ran > max_runtime_s:
        return Breach("runtime", f"runtime cap reached ({_dur(max_runtime_s)}): stopped with a checkpoint")
    if idle_s is None:
        return None
    if records is None:
        from jobs.events import log_records

        records = log_records(Path(job.run_dir)) if job.run_dir else []
    last = last_step_time(job, records)
    if last is not None and now - last[1] > idle_s:
        return Breach("idle", f"idle for {_dur(now - last[1])} (no training step after step {last[0]}; limit "
                              f"{_dur(idle_s)}): stopped with a checkpoint")
    return None


def _dur(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"
