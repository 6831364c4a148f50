"""The one 95% interval of an eval score: `swift eval` writes it next to each dataset's score in eval_report.json
({score, n, low, high, interval: "wilson95"}), and every reader (the web UI's run and compare pages, the job
core's eval summary for the bot) takes it from there. Pure: no I/O, no engines.

The score is an accuracy over n items (a mean of 0/1 item scores), so the interval is Wilson's score interval
(z = 1.96): unlike the normal approximation it stays inside [0, 1] and is honest at 0/n and n/n, which small
eval sets hit often. Reports written before the interval was saved get the same interval computed on read."""
from __future__ import annotations

import math

Z95 = 1.959964
METHOD = "wilson95"


def wilson(score: float, n: int) -> tuple[float, float]:
    """95% Wilson interval of a mean of n 0/1 scores (how much a set of n items can tell)."""
    if n <= 0:
        return 0.0, 1.0
    score = min(max(float(score), 0.0), 1.0)
    z2 = Z95 * Z95
    denom = 1 + z2 / n
    center = (score + z2 / (2 * n)) / denom
    half = Z95 * math.sqrt(score * (1 - score) / n + z2 / (4 * n * n)) / denom
    return max(0.0, center - half), min(1.0, center + half)


def with_interval(res: dict) -> dict:
    """A dataset's result with its interval added (what `swift eval` saves): {..., low, high, interval}."""
    lo, hi = wilson(res["score"], int(res["n"]))
    return {**res, "low": lo, "high": hi, "interval": METHOD}


def score_interval(res: dict) -> tuple[float, float]:
    """(low, high) of a saved result: the interval `swift eval` wrote, else (older reports) the same one computed."""
    if "low" in res and "high" in res:
        return float(res["low"]), float(res["high"])
    return wilson(res["score"], int(res["n"]))
