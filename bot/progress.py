"""The text of a job's one progress message (edited in place), from the job row and its logging.jsonl records."""
from __future__ import annotations

import time

from jobs.table import Job


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def cost_so_far(job: Job, meta: dict, now: float | None = None) -> float:
    """Price per hour of the machine (meta.json, 0 for this machine) times the wall time so far."""
    if not job.started:
        return 0.0
    end = job.ended or (time.time() if now is None else now)
    return float(meta.get("price_per_h") or 0.0) * max(0.0, end - job.started) / 3600.0


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


def record_summary(job: Job, records: list[dict], meta: dict) -> dict:
    """The structured record of a finished job (the benchmark row): machine, model, method, peaks, throughput,
    loss trend, wall time, cost."""
    losses = [r["loss"] for r in records if "loss" in r]
    steps = [r["step"] for r in records if isinstance(r.get("step"), int)]
    peaks = [r["peak_mib"] for r in records if "peak_mib" in r]
    predicted = [r["predicted_peak_mib"] for r in records if r.get("predicted_peak_mib")]
    tps = [r.get("tokens_per_sec", r.get("monitor_tokens_per_sec")) for r in records]
    tps = [t for t in tps if isinstance(t, (int, float))]
    return {"job": job.id, "machine": meta.get("machine", "local"), "model": meta.get("model"),
            "method": meta.get("method"), "predicted_peak_mib": predicted[-1] if predicted else None,
            "measured_peak_mib": max(peaks) if peaks else None, "tokens_per_sec": tps[-1] if tps else None,
            "loss_first": losses[0] if losses else None, "loss_last": losses[-1] if losses else None,
            "loss_trend": losses[:: max(1, len(losses) // 10)], "steps": max(steps) if steps else None,
            "wall_s": round((job.ended or time.time()) - job.started, 1) if job.started else None,
            "cost_usd": round(cost_so_far(job, meta), 4), "status": job.status}


def _mib(value) -> str:
    return f"{value / 1024:.2f} GiB" if value and value >= 1024 else (f"{value:.0f} MiB" if value else "?")


def record_text(record: dict) -> str:
    """A finished job's record for `.status <job>`: `machine local · model tiny · method lora`, then peaks,
    throughput, loss trend, wall time and cost, one line each."""
    trend = " ".join(f"{x:.2f}" for x in record.get("loss_trend") or [])
    tps = record.get("tokens_per_sec")
    lines = [f"machine {record.get('machine')} · model {record.get('model')} · method {record.get('method')}",
             f"peak: predicted {_mib(record.get('predicted_peak_mib'))}, measured "
             f"{_mib(record.get('measured_peak_mib'))}",
             f"throughput: {tps:.0f} tokens/s" if isinstance(tps, (int, float)) else "throughput: ?",
             f"loss: {trend or '?'}" + (f" ({record['steps']} steps)" if record.get("steps") else ""),
             f"wall time {_clock(record.get('wall_s'))} · cost ${record.get('cost_usd') or 0:.2f}"]
    if record.get("eval"):
        lines += [f"eval {s['dataset']}: {s['score']:.3f} at {s['label']}" for s in record["eval"]]
    return "\n".join(lines)
