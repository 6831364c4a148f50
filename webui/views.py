"""Plain data for templates and JSON: a job as the pages show it, sparklines, argv as options."""
from __future__ import annotations

from typing import Any

from jobs.summary import chart_series, curve, summarize

GIB = 2**30


def argv_options(argv: list[str]) -> dict[str, str]:
    """{flag: value text} of a job's argv (after the command), for diffs and display."""
    out: dict[str, str] = {}
    key = None
    for tok in argv[1:]:
        if tok.startswith("--"):
            key = tok[2:]
            out[key] = ""
        elif key is not None:
            out[key] = f"{out[key]} {tok}".strip()
    return out


def _gib(n: int | None) -> str:
    return f"{n / GIB:.2f} GiB" if n else "–"


def job_view(store, job) -> dict[str, Any]:
    """What every page shows of one job (never an environment variable or a secret: argv comes from the renderer,
    which leaves secret options out)."""
    from jobs.events import read_events

    s = summarize(store, job)
    records = [d for _, _, d in read_events(store.run_dirs(job))]
    return {"id": job.id, "user": job.user, "status": job.status, "reason": job.reason, "command": job.command,
            "command_line": job.command_line, "exit_code": job.exit_code, "step": s["step"],
            "max_steps": s["max_steps"], "eta_s": s["eta_s"], "losses": s["losses"],
            "curve": curve(records), "lr": curve(records, "learning_rate"), **chart_series(records),
            "last_loss": round(s["losses"][-1], 4) if s["losses"] else None,
            "duration_s": s["duration_s"], "score": job.score if job.score is not None else (
                round(next(iter(s["scores"].values())), 4) if s["scores"] else None),
            "predicted_peak": _gib(s["predicted_peak"]), "measured_peak": _gib(s["measured_peak"]),
            "model": argv_options(job.argv).get("model", "")}


def sparkline(values: list[float], width: int = 120, height: int = 24) -> str:
    """SVG polyline points for a loss sparkline ('' when fewer than two values)."""
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - (v - lo) / span * height:.1f}" for i, v in enumerate(values))
