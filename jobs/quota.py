"""Per-user use of machines: GPU-hours today and active jobs, from the jobs table (no second ledger).

A local job counts as one GPU (one machine) for its wall time; a cloud job counts its accelerators (meta.json
`gpus`). A day is the UTC calendar day; a job running across midnight counts its part of today."""
from __future__ import annotations

import time
from dataclasses import dataclass

from jobs.meta import read_meta
from jobs.table import ACTIVE, Job

DAY_S = 86400.0


def day_start(now: float | None = None) -> float:
    now = time.time() if now is None else now
    return now - now % DAY_S


def job_gpu_hours(job: Job, since: float, now: float | None = None) -> float:
    """GPU-hours the job used after `since` (0 for a job that never started)."""
    if not job.started:
        return 0.0
    now = time.time() if now is None else now
    end = job.ended or now
    start = max(job.started, since)
    gpus = float(read_meta(job.job_dir).get("gpus", 1) or 1) if job.job_dir else 1.0
    return max(0.0, end - start) * gpus / 3600.0


@dataclass(frozen=True)
class Usage:
    user: str
    gpu_hours_today: float
    active: int

    def fraction(self, budget: float) -> float:
        return self.gpu_hours_today / budget if budget > 0 else float("inf")


def usage(jobs: list[Job], user: str, now: float | None = None) -> Usage:
    """Today's GPU-hours and the number of queued/running jobs of `user`, from `jobs` (the table's rows)."""
    since = day_start(now)
    mine = [j for j in jobs if j.user == user]
    return Usage(user, sum(job_gpu_hours(j, since, now) for j in mine), sum(j.status in ACTIVE for j in mine))
