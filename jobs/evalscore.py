"""The eval score a job asked for (`swift sft --eval_use_evalscope true`): the scored checkpoint's score per
dataset with a 95% interval, and its change from the base model with a paired 95% interval.

The training process scores the base model ("base", step 0) and every saved checkpoint into the run folder's
evalscope_eval/<label>/<run>/ (eval_report.json, predictions.jsonl: one row per scored item). The score's interval
is the one `swift eval` saved next to it in eval_report.json (95% Wilson over its n items,
swift_cli/engine/eval/interval.py: the same one the web UI shows); the change's is the paired percentile bootstrap
of swift_cli/engine/eval/compare.py over the per-item differences."""
from __future__ import annotations

import json
from pathlib import Path


def asked_for_eval(argv: list[str]) -> bool:
    """Whether the job's argv asks for scoring (`--eval_use_evalscope true`)."""
    if "--eval_use_evalscope" not in argv:
        return False
    i = argv.index("--eval_use_evalscope")
    return i + 1 >= len(argv) or argv[i + 1].lower() in ("true", "1", "yes")


def _rows(label_dir: Path) -> list[dict]:
    """predictions.jsonl rows of the newest evaluation under one label (base, checkpoint-N)."""
    files = sorted(label_dir.glob("*/predictions.jsonl"))
    if not files:
        return []
    return [json.loads(line) for line in files[-1].read_text(encoding="utf-8").splitlines() if line.strip()]


def _saved(label_dir: Path, model: str, dataset: str) -> dict | None:
    """The dataset's result in the newest eval_report.json under one label ({score, n, low, high, ...})."""
    files = sorted(label_dir.glob("*/eval_report.json"))
    if not files:
        return None
    models = json.loads(files[-1].read_text(encoding="utf-8")).get("models", {})
    per = models.get(model) or next(iter(models.values()), {})
    return per.get(dataset)


def _step(label: str) -> int:
    tail = label.rpartition("-")[2]
    return int(tail) if tail.isdigit() else -1


def eval_scores(run_dirs: list[Path], checkpoint: str | None = None) -> list[dict]:
    """[{dataset, label, n, score, low, high, base?, diff?, diff_low?, diff_high?}] for the named checkpoint
    (else the last one scored) of the newest run folder that has scores; [] when nothing was scored."""
    from swift_cli.engine.eval.compare import compare
    from swift_cli.engine.eval.interval import score_interval

    root = next((rd / "evalscope_eval" for rd in reversed(run_dirs) if (rd / "evalscope_eval").is_dir()), None)
    if root is None:
        return []
    scored = sorted((d for d in root.iterdir() if d.name.startswith("checkpoint-") and _rows(d)),
                    key=lambda d: _step(d.name))
    if not scored:
        return []
    pick = next((d for d in scored if d.name == checkpoint), scored[-1])
    after, base = _rows(pick), _rows(root / "base")
    out = []
    for dataset in sorted({r["dataset"] for r in after}):
        items = [r for r in after if r["dataset"] == dataset]
        score = sum(float(r["score"]) for r in items) / len(items)
        low, high = score_interval(_saved(pick, items[0]["model"], dataset) or {"score": score, "n": len(items)})
        entry = {"dataset": dataset, "label": pick.name, "n": len(items), "score": score, "low": low, "high": high}
        mine = [r for r in base if r["dataset"] == dataset]
        if mine:
            (cmp,) = compare(mine, mine[0]["model"], items, items[0]["model"])
            entry |= {"base": cmp["a"], "diff": cmp["diff"], "diff_low": cmp["low"], "diff_high": cmp["high"]}
        out.append(entry)
    return out


def eval_lines(scores: list[dict]) -> list[str]:
    """`eval yichui_mcq: 0.500 (95% CI 0.250–0.750, n=4) at checkpoint-2; base 0.250, change +0.250 (95% CI
    -0.250 to +0.750)`."""
    lines = []
    for s in scores:
        line = (f"eval {s['dataset']}: {s['score']:.3f} (95% CI {s['low']:.3f}–{s['high']:.3f}, n={s['n']}) at "
                f"{s['label']}")
        if "diff" in s:
            line += (f"; base {s['base']:.3f}, change {s['diff']:+.3f} (95% CI {s['diff_low']:+.3f} to "
                     f"{s['diff_high']:+.3f})")
        lines.append(line)
    return lines
