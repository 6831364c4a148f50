"""What a front door shows about a job, read from its run folders: loss curve, progress, ETA, measured and
predicted peak memory, duration. Pure reads of logging.jsonl (jobs/events.py); nothing is stored twice."""
from __future__ import annotations

import time
from typing import Any

from jobs.events import read_events

MIB = 2**20


def curve(records: list[dict], key: str = "loss") -> list[tuple[int, float]]:
    """(step, value) for the records that carry `key` (training steps; the final summary record has none)."""
    return [(int(r["step"]), float(r[key])) for r in records if key in r and "step" in r
            and isinstance(r[key], (int, float))]


EVAL_TIMING = ("eval_runtime", "eval_samples_per_second", "eval_steps_per_second")


def is_reward_key(key: str) -> bool:
    """RL reward figures as our trainers log them: GRPO's `reward` and `rewards/<function>/mean`, DPO-style
    `rewards/chosen|rejected|margins|accuracies` (not the /std spreads). webui/static/app.js keeps the same rule."""
    return key == "reward" or (key.startswith("rewards/") and not key.endswith("/std"))


def is_eval_key(key: str) -> bool:
    """Eval figures (`eval_loss`, `eval_rewards/...`, `eval_<metric>`), not the eval's timing."""
    return key.startswith("eval_") and key not in EVAL_TIMING


def chart_series(records: list[dict]) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """{"rewards": {key: [(step, value)]}, "evals": {...}}: the run page's reward and eval charts."""
    out: dict[str, dict[str, list[tuple[int, float]]]] = {"rewards": {}, "evals": {}}
    for r in records:
        if "step" not in r:
            continue
        for key, value in r.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                group = "rewards" if is_reward_key(key) else "evals" if is_eval_key(key) else None
                if group:
                    out[group].setdefault(key, []).append((int(r["step"]), float(value)))
    return out


def summarize(store, job) -> dict[str, Any]:
    """Progress and figures of one job: step/max_steps, eta_s, losses, measured/predicted peak (bytes), duration."""
    records = [d for _, _, d in read_events(store.run_dirs(job))]
    steps = [r for r in records if "step" in r]
    last = steps[-1] if steps else {}
    peaks = [r["peak_mib"] for r in records if isinstance(r.get("peak_mib"), (int, float))]
    predicted = next((r["predicted_peak_mib"] for r in reversed(records) if r.get("predicted_peak_mib")), None)
    end = job.ended or (time.time() if job.started else None)
    return {
        "step": last.get("step"), "max_steps": last.get("max_steps"),
        "eta_s": last.get("monitor_eta_sec") if job.status == "running" else None,
        "losses": [v for _, v in curve(records)],
        "measured_peak": int(max(peaks) * MIB) if peaks else job.measured_peak,
        "predicted_peak": int(predicted * MIB) if predicted else job.predicted_peak,
        "duration_s": round(end - job.started, 1) if end and job.started else None,
        "scores": {k: r[k] for r in records for k in r if k.startswith("eval_") and isinstance(r[k], (int, float))},
    }
