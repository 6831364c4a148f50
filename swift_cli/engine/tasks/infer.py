"""`swift infer` for the encoder task types: --query (seq_cls: label and probabilities; embedding: the vector;
rerankers: the documents read from stdin, one per line, best first), or --val_dataset rows in the training
format with the figure that shows what the model learned (accuracy, similarity margin, positive ranked first)."""
from __future__ import annotations

import json
import sys

from swift_cli.engine.data.formats import RowError
from swift_cli.engine.tasks import rows as task_rows
from swift_cli.errors import UsageError


def _user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def query(tm, text: str, activation: bool) -> int:
    kind = tm.rule.task_type
    if kind == "seq_cls":
        print(json.dumps(tm.classify([_user(text)])[0]))
    elif kind == "embedding":
        vec = tm.embed([_user(text)])[0]
        print(json.dumps({"dims": len(vec), "embedding": [round(float(v), 6) for v in vec]}))
    else:
        docs = [line.strip() for line in sys.stdin if line.strip()]
        if not docs:
            raise UsageError(f"--task_type {kind} --query: give the documents on stdin, one per line")
        scores = tm.scores(_user(text), [[{"role": "assistant", "content": d}] for d in docs], activation)
        for score, doc in sorted(zip(scores, docs), key=lambda p: -p[0]):
            print(f"{score:.4f}\t{doc}")
    return 0


def _rows(specs: list[str], rule) -> list:
    from swift_cli.engine.data.sources import load_rows

    out, problems = [], []
    for spec in specs:
        for row in load_rows(spec, model_name=[], model_author=[], seed=42, problems=problems):
            data = row.data
            try:
                if rule.task_type == "seq_cls" and isinstance(data, dict) and data.get("label") is None:
                    anchor = task_rows.seq_cls_row({**data, "label": 0.0}, "regression", 1).anchor  # unlabelled
                    out.append(task_rows.TaskRow(row.where, anchor))
                else:
                    out.append(task_rows.parse(data, row.where, rule))
            except RowError as exc:
                problems.append(f"{row.where}: {exc}")
    if problems:
        from swift_cli.engine.data.build import raise_problems

        raise_problems(problems, "--val_dataset")
    return out


def dataset(tm, specs: list[str], result_path: str | None, activation: bool) -> int:
    """Every row scored; the summary figure printed; per-row results to --result_path (JSON lines)."""
    rows = _rows(specs, tm.rule)
    if not rows:
        raise UsageError("--val_dataset: no rows")
    kind = tm.rule.task_type
    if kind == "seq_cls":
        results, summary = _classify(tm, rows)
    elif kind == "embedding":
        results, summary = _similarity(tm, rows)
    else:
        results, summary = _ranking(tm, rows, activation)
    if result_path:
        with open(result_path, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    print(summary)
    return 0


def _classify(tm, rows):
    preds = tm.classify([r.anchor for r in rows])
    results = [{"where": r.where, **p, **({"gold": r.label} if r.label is not None else {})}
               for r, p in zip(rows, preds)]
    labelled = [(r, p) for r, p in zip(rows, preds) if r.label is not None]
    if not labelled or tm.rule.problem_type == "regression":
        return results, f"{len(rows)} rows classified"
    gold = (lambda r: [i for i, v in enumerate(r.label) if v]) if tm.rule.problem_type.startswith("multi") else \
        (lambda r: r.label)
    right = sum(p["label"] == gold(r) for r, p in labelled)
    return results, f"accuracy {right / len(labelled):.3f} ({right}/{len(labelled)})"


def _similarity(tm, rows):
    results, margins, wins = [], [], 0
    for r in rows:
        vecs = tm.embed([r.anchor, r.positives[0], *r.negatives])
        sims = (vecs[1:] @ vecs[0]).tolist()
        pos, negs = sims[0], sims[1:]
        margin = pos - max(negs) if negs else None
        results.append({"where": r.where, "positive": round(pos, 6), "negatives": [round(s, 6) for s in negs]})
        if margin is not None:
            margins.append(margin)
            wins += margin > 0
    if not margins:
        return results, f"{len(rows)} rows embedded (no negatives: no margin)"
    return results, (f"similarity margin {sum(margins) / len(margins):.4f} (positive minus best negative, mean); "
                     f"positive closest {wins}/{len(margins)}")


def _ranking(tm, rows, activation: bool):
    results, firsts = [], 0
    for r in rows:
        scores = tm.scores(r.anchor, r.positives + r.negatives, activation)
        best_neg = max(scores[len(r.positives):], default=float("-inf"))
        first = max(scores[:len(r.positives)]) > best_neg
        firsts += first
        results.append({"where": r.where, "positives": scores[:len(r.positives)],
                        "negatives": scores[len(r.positives):], "positive_first": first})
    return results, f"positive ranked first {firsts}/{len(rows)} ({firsts / len(rows):.3f})"


def main(cfg) -> int:
    """The body of `swift infer` for an encoder task (cfg: commands/infer.InferConfig)."""
    from swift_cli.engine.tasks import predict

    backend = cfg.backend.infer_backend
    if backend not in ("pt", "transformers"):
        raise UsageError(f"--infer_backend {backend}: the encoder task types run on the pt backend here")
    if cfg.infer.query is None and not cfg.infer.val_dataset:
        raise UsageError("give --query TEXT or --val_dataset FILE (rows in the training format)")
    tm = predict.load(cfg.model, cfg.tasks, max_length=cfg.infer.max_length)
    activation = cfg.ms.reranker_use_activation
    if cfg.infer.query is not None:
        return query(tm, cfg.infer.query, activation)
    return dataset(tm, cfg.infer.val_dataset, cfg.infer.result_path, activation)


def task_of(model_args, task_args) -> str:
    """The task a `swift infer` / `swift deploy` line runs: flags, else the checkpoint's args.json / config.json
    (reads JSON only)."""
    from pathlib import Path

    from swift_cli.engine.tasks.predict import rule_for

    local = Path(model_args.model) if model_args.model and Path(model_args.model).is_dir() else None
    return rule_for(model_args, task_args, local).task_type
