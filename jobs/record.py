"""A finished job's structured record (the benchmark row: machine, model, method, peaks, throughput, loss trend,
wall time, cost, eval) and its text: one place for every front door (`swift jobs show`, the bot, the web UI)."""
from __future__ import annotations

import time

from jobs.table import Job


def clock(seconds: float | None) -> str:
    """`m:ss`, or `h:mm:ss` from an hour up; `?` when unknown."""
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


def argv_value(argv: list[str], name: str) -> str | None:
    """The value after `--name` in a job's argv (the renderer's tokens), else None."""
    i = argv.index(f"--{name}") if f"--{name}" in argv else -1
    return argv[i + 1] if 0 <= i < len(argv) - 1 and not argv[i + 1].startswith("--") else None


def job_record(store, job: Job) -> dict:
    """The record kept in meta.json (the bot's final message writes it), else computed from the run folder now
    (model and method from the job's own command where meta.json has none: a web or `swift jobs` run)."""
    from jobs.events import read_events
    from jobs.meta import read_meta

    meta = read_meta(job.job_dir) if job.job_dir else {}
    if meta.get("record"):
        return meta["record"]
    method = argv_value(job.argv, "rlhf_type") or ("dpo" if job.command == "dpo" else argv_value(job.argv, "train_type"))
    meta = {"model": argv_value(job.argv, "model"), "method": method} | {k: v for k, v in meta.items() if v}
    return record_summary(job, [d for _, _, d in read_events(store.run_dirs(job))], meta)


def _mib(value) -> str:
    return f"{value / 1024:.2f} GiB" if value and value >= 1024 else (f"{value:.0f} MiB" if value else "?")


def record_lines(record: dict) -> list[str]:
    """A finished job's record, one line each: `machine local · model tiny · method lora`, then peaks, throughput,
    loss trend, wall time and cost, and the eval scores it has."""
    trend = " ".join(f"{x:.2f}" for x in record.get("loss_trend") or [])
    tps = record.get("tokens_per_sec")
    lines = [f"machine {record.get('machine')} · model {record.get('model')} · method {record.get('method')}",
             f"peak: predicted {_mib(record.get('predicted_peak_mib'))}, measured "
             f"{_mib(record.get('measured_peak_mib'))}",
             f"throughput: {tps:.0f} tokens/s" if isinstance(tps, (int, float)) else "throughput: ?",
             f"loss: {trend or '?'}" + (f" ({record['steps']} steps)" if record.get("steps") else ""),
             f"wall time {clock(record.get('wall_s'))} · cost ${record.get('cost_usd') or 0:.2f}"]
    if record.get("eval"):
        lines += [f"eval {s['dataset']}: {s['score']:.3f} at {s['label']}" for s in record["eval"]]
    return lines


def record_text(record: dict) -> str:
    """record_lines as one text (the bot's `.status <job>`)."""
    return "\n".join(record_lines(record))
