"""EvalScope's outputs (reports/<model>/<dataset>.json, reviews/<model>/<dataset>_<subset>.jsonl) → our
eval_report.json, predictions.jsonl and the table printed per dataset/subset."""
from __future__ import annotations

import json
from pathlib import Path

REPORT, PREDICTIONS = "eval_report.json", "predictions.jsonl"
COMPARE = "eval_compare.json"   # with several models: each later one minus the first, paired 95% bootstrap interval


def _primary(report: dict) -> dict:
    """The metric EvalScope names primary (else the first)."""
    want = report.get("primary_metric_identity")
    for metric in report.get("metrics", []):
        if want and metric.get("identity") == want:
            return metric
    return report["metrics"][0]


def _metric_label(metric: dict) -> str:
    sem = metric.get("semantics") or {}
    return sem.get("display_name") or sem.get("metric_name") or metric["identity"]["name"]


def summarize(evalscope_dir: Path, model: str) -> dict:
    """{dataset: {score, n, low, high, interval, metric, subsets: {subset: {score, n}}}} from EvalScope's report
    files; low/high is the score's 95% interval (interval.py)."""
    from swift_cli.engine.eval.interval import with_interval

    out = {}
    for path in sorted((evalscope_dir / "reports" / model).glob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        if not report.get("metrics"):
            continue
        metric = _primary(report)
        subsets = {s["name"]: {"score": s["score"], "n": s["num"]}
                   for cat in metric.get("categories", []) for s in cat.get("subsets", [])
                   if not s.get("is_aggregate")}
        out[report["dataset_name"]] = with_interval({"score": metric["score"], "n": metric["num"],
                                                     "metric": _metric_label(metric), "subsets": subsets})
    return out


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def predictions(evalscope_dir: Path, model: str, datasets: list[str]) -> list[dict]:
    """One row per scored item: prompt, model output, extracted answer, gold, score, correct."""
    rows = []
    review_dir = evalscope_dir / "reviews" / model
    for dataset in datasets:
        for path in sorted(review_dir.glob(f"{dataset}_*.jsonl")):
            subset = path.stem[len(dataset) + 1:]
            items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            for item in sorted(items, key=lambda r: r.get("index", 0)):
                score = (item.get("sample_score") or {}).get("score") or {}
                messages = item.get("messages") or []
                prompt = "\n\n".join(_text(m.get("content")) for m in messages if m.get("role") != "assistant")
                answers = [m for m in messages if m.get("role") == "assistant"]
                output = _text(answers[-1].get("content")) if answers else score.get("prediction", "")
                main = score.get("main_score_name")
                values = score.get("value") or {}
                value = values.get(main, next(iter(values.values()), 0.0)) if values else 0.0
                gold = item.get("target")
                rows.append({"model": model, "dataset": dataset, "subset": subset, "index": item.get("index"),
                             "prompt": prompt, "output": output, "extracted": score.get("extracted_prediction"),
                             "gold": gold[0] if isinstance(gold, list) and len(gold) == 1 else gold,
                             "score": float(value), "correct": float(value) >= 1.0})
    return rows


def write(run_dir: Path, report: dict, rows: list[dict]) -> None:
    (run_dir / REPORT).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with (run_dir / PREDICTIONS).open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_run(path: str) -> tuple[dict, list[dict]]:
    """(eval_report.json, prediction rows) of a run folder (or of the folder of an eval_report.json)."""
    from swift_cli.errors import UsageError

    p = Path(path)
    folder = p.parent if p.name == REPORT else p
    if not (folder / REPORT).is_file() or not (folder / PREDICTIONS).is_file():
        raise UsageError(f"--compare {path}: not a swift eval run folder (no {REPORT} + {PREDICTIONS})")
    report = json.loads((folder / REPORT).read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in (folder / PREDICTIONS).read_text(encoding="utf-8").splitlines() if line]
    return report, rows


def table(report: dict):
    """A rich table: one row per model × dataset × subset, plus the dataset's overall line when it has several."""
    from rich.table import Table

    t = Table(title="swift eval", show_lines=False)
    for col, kw in (("model", {}), ("dataset", {}), ("subset", {}), ("metric", {}), ("score", {"justify": "right"}),
                    ("n", {"justify": "right"})):
        t.add_column(col, **kw)
    for model, datasets in report["models"].items():
        for dataset, res in datasets.items():
            subsets = res["subsets"]
            for subset, s in subsets.items():
                t.add_row(model, dataset, subset, res["metric"], f"{s['score']:.3f}", str(s["n"]))
            if len(subsets) > 1:
                t.add_row(model, dataset, "[b]all[/b]", res["metric"], f"[b]{res['score']:.3f}[/b]", str(res["n"]))
    return t


def training_scores(run_dir: Path) -> tuple[list[str], list[list]]:
    """(datasets, rows of [step, score...]) from logging.jsonl's evalscope/* records: step 0 is the model before
    training, later steps its checkpoints (swift sft --eval_use_evalscope true)."""
    path = run_dir / "logging.jsonl"
    if not path.is_file():
        return [], []
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if "evalscope/" in line]
    names = sorted({k.split("/", 1)[1] for r in records for k in r if k.startswith("evalscope/")})
    return names, [[r["step"], *(r.get(f"evalscope/{n}") for n in names)] for r in records]
