"""Did it help? Per-dataset difference between two scored models on the same items, with a 95% interval.

The interval is a paired percentile bootstrap: items are resampled with replacement (10,000 times, seeded, so
the printout is reproducible) and the mean per-item difference (B − A) is recomputed each time. Pairing by item
removes the between-item variance that dominates small sets, and the bootstrap makes no normality assumption
for 0/1 scores; with a few dozen items the interval is honest about how little such a set can show.
"""
from __future__ import annotations

from swift_cli.errors import UsageError

RESAMPLES = 10_000


def paired_interval(diffs: list[float], seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    import numpy as np

    d = np.asarray(diffs, dtype=float)
    if d.size == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, d.size, size=(RESAMPLES, d.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(means, [tail, 100 - tail])
    return float(lo), float(hi)


def _by_item(rows: list[dict], model: str) -> dict:
    return {(r["dataset"], r["subset"], r["index"]): float(r["score"]) for r in rows if r["model"] == model}


def compare(rows_a: list[dict], model_a: str, rows_b: list[dict], model_b: str, seed: int = 0) -> list[dict]:
    """One entry per dataset both runs scored: n paired items, mean A, mean B, B − A and its interval."""
    a, b = _by_item(rows_a, model_a), _by_item(rows_b, model_b)
    shared = sorted(set(a) & set(b), key=str)
    if not shared:
        raise UsageError(f"--compare: {model_a} and {model_b} have no scored items in common "
                         f"(same --eval_dataset and --eval_limit needed)")
    out = []
    for dataset in sorted({k[0] for k in shared}):
        keys = [k for k in shared if k[0] == dataset]
        diffs = [b[k] - a[k] for k in keys]
        lo, hi = paired_interval(diffs, seed)
        n = len(keys)
        out.append({"dataset": dataset, "n": n, "a": sum(a[k] for k in keys) / n, "b": sum(b[k] for k in keys) / n,
                    "diff": sum(diffs) / n, "low": lo, "high": hi,
                    "b_only": sum(1 for d in diffs if d > 0), "a_only": sum(1 for d in diffs if d < 0)})
    return out


def verdict(entry: dict) -> str:
    if entry["low"] > 0:
        return "better"
    if entry["high"] < 0:
        return "worse"
    return "no clear difference"


def table(entries: list[dict], name_a: str, name_b: str):
    from rich.table import Table

    t = Table(title=f"{name_b} vs {name_a} (paired bootstrap, 95%)")
    for col in ("dataset", "n", f"A: {name_a}", f"B: {name_b}", "B − A", "95% interval", "B only / A only",
                "verdict"):
        t.add_column(col, justify="left" if col in ("dataset", "verdict") else "right")
    for e in entries:
        t.add_row(e["dataset"], str(e["n"]), f"{e['a']:.3f}", f"{e['b']:.3f}", f"{e['diff']:+.3f}",
                  f"[{e['low']:+.3f}, {e['high']:+.3f}]", f"{e['b_only']} / {e['a_only']}", verdict(e))
    return t
