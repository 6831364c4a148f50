"""MMLU and CMMLU from their original per-subject CSV folders, staged as the one-table hub snapshot EvalScope's
adapters read: one config holding every subject's rows, which EvalScope regroups by subject.

- MMLU (the authors' data.tar): {dev,val,test}/<subject>_<split>.csv, no header: question,A,B,C,D,answer.
- CMMLU (the authors' release): {dev,test}/<subject>.csv, header ",Question,A,B,C,D,Answer" (a row index first).
Every row is checked; a problem is one UsageError naming the file and line.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from swift_cli.errors import UsageError

LETTERS = "ABCD"


def _mmlu(subject: str, question: str, choices: list[str], answer: str) -> dict:
    return {"question": question, "choices": choices, "answer": LETTERS.index(answer), "subject": subject}


def _cmmlu(subject: str, question: str, choices: list[str], answer: str) -> dict:
    return {"question": question, "choices": [f"({k}) {c}" for k, c in zip(LETTERS, choices)],
            "answer": f"({answer})", "category": subject}


# benchmark -> (the config EvalScope loads, the record its adapter reads)
FORMATS = {"mmlu": ("all", _mmlu), "cmmlu": ("default", _cmmlu)}


def handles(name: str) -> bool:
    return name in FORMATS


def _split_and_subject(path: Path, top: Path, splits: tuple[str, ...]) -> tuple[str, str] | None:
    """test/<subject>_test.csv (MMLU) or test/<subject>.csv (CMMLU): (split, subject); None for other files."""
    if path.parent == top or path.parent.name not in splits:
        return None
    split = path.parent.name
    subject = path.stem[: -len(split) - 1] if path.stem.endswith(f"_{split}") else path.stem
    return split, subject


def _rows(path: Path):
    """(question, [A, B, C, D], answer) per row; a first row whose last cell is "answer" is the header."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        for row in reader:
            lineno = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if lineno == 1 and row[-1].strip().lower() == "answer":
                continue
            cells = row[1:] if len(row) == 7 else row   # CMMLU rows start with their index
            if len(cells) != 6:
                raise UsageError(f"{path}:{lineno}: {len(row)} fields; expected question,A,B,C,D,answer")
            question, *choices, answer = (cell.strip() for cell in cells)
            if answer not in LETTERS:
                raise UsageError(f"{path}:{lineno}: answer {answer!r} is not one of A, B, C, D")
            yield question, choices, answer


def stage(name: str, meta, src: Path, dst: Path, splits: tuple[str, ...]) -> tuple[list[str], int]:
    """Write dst/<config>/<split>.jsonl and README.md `configs:`; returns (subjects with eval rows, the fewest
    rows any of them has in the few-shot split)."""
    config, record = FORMATS[name]
    tables: dict[str, list[dict]] = {}
    per_subject: dict[str, dict[str, int]] = {}
    for path in sorted(src.rglob("*.csv")):
        found = _split_and_subject(path, src, splits)
        if found is None:
            continue
        split, subject = found
        for question, choices, answer in _rows(path):
            tables.setdefault(split, []).append(record(subject, question, choices, answer))
            counts = per_subject.setdefault(subject, {})
            counts[split] = counts.get(split, 0) + 1
    subjects = sorted(s for s, counts in per_subject.items() if counts.get(meta.eval_split))
    if not subjects:
        raise UsageError(f"--eval_dataset_args {name}.local_path {src}: no {meta.eval_split}/<subject>"
                         f"{'_' + meta.eval_split if name == 'mmlu' else ''}.csv with rows (the published layout)")
    (dst / config).mkdir(parents=True, exist_ok=True)
    lines = ["---", "configs:", f"- config_name: {config}", "  data_files:"]
    for split, rows in tables.items():
        (dst / config / f"{split}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                                     encoding="utf-8")
        lines.append(f"  - split: {split}\n    path: {config}/{split}.jsonl")
    (dst / "README.md").write_text("\n".join(lines + ["---", ""]), encoding="utf-8")
    shots = min(per_subject[s].get(meta.train_split, 0) for s in subjects)
    return subjects, shots
