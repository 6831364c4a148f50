"""The text of a job's one progress message (edited in place), from the job row and its logging.jsonl records."""
from __future__ import annotations

from jobs.record import clock as _clock
from jobs.record import cost_so_far, record_summary, record_text  # noqa: F401  (the bot's names for them)
from jobs.table import Job


def progress_text(job: Job, records: list[dict], meta: dict) -> str:
    """`job 3 · tiny-lora on self-cognition · step 20/60 · epoch 0.40 · loss 2.100 · ETA 0:40 · local · $0.00`."""
    what = meta.get("title") or job.command
    parts = [f"job {job.id}", what]
    steps = [r for r in records if "step" in r]
    last = steps[-1] if steps else {}
    losses = [r for r in steps if "loss" in r]
    if job.status == "queued":
        parts.append("queued" + (f" ({job.reason})" if job.reason else ""))
    elif not steps:
        parts.append(job.status if job.status != "running" else "starting")
    else:
        total = last.get("max_steps")
        parts.append(f"step {last['step']}/{total}" if total else f"step {last['step']}")
        if "epoch" in last:
            parts.append(f"epoch {last['epoch']:.2f}")
        if losses:
            parts.append(f"loss {losses[-1]['loss']:.3f}")
        if job.status == "running" and last.get("monitor_eta_sec") is not None:
            parts.append(f"ETA {_clock(last['monitor_eta_sec'])}")
        if job.status != "running":
            parts.append(job.status)
    parts.append(str(meta.get("machine", "local")))
    parts.append(f"${cost_so_far(job, meta):.2f}")
    return " · ".join(parts)
