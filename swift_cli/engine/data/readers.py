"""Read dataset files into rows that remember where they came from (file:line), for error messages."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swift_cli.errors import UsageError

SUFFIXES = (".jsonl", ".json", ".csv", ".parquet", ".txt")


@dataclass(frozen=True)
class Row:
    """One raw dataset row and its location (`file:line` or `name#index`)."""

    where: str
    data: Any


def read_file(path: Path) -> tuple[list[Row], list[str]]:
    """Rows of a local file, plus one problem per unreadable line (bad JSON...)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(f"{path}: unsupported dataset format {suffix or '(none)'}; use {', '.join(SUFFIXES)}")
    try:
        if suffix == ".jsonl":
            return _read_jsonl(path)
        if suffix == ".json":
            return _read_json(path)
        if suffix == ".csv":
            return _read_csv(path), []
        if suffix == ".parquet":
            return _read_parquet(path), []
        return _read_txt(path), []
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None


def _read_jsonl(path: Path) -> tuple[list[Row], list[str]]:
    rows, problems = [], []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(Row(f"{path}:{lineno}", json.loads(line)))
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno})")
    return rows, problems


def _read_json(path: Path) -> tuple[list[Row], list[str]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # A .json file holding JSON lines is common; read it as such.
        if exc.msg == "Extra data":
            return _read_jsonl(path)
        return [], [f"{path}:{exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno})"]
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), [data])
    if not isinstance(data, list):
        return [], [f"{path}: expected a JSON list of rows"]
    return [Row(f"{path}: row {i}", item) for i, item in enumerate(data, 1)], []


def _read_csv(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [Row(f"{path}:{i}", dict(r)) for i, r in enumerate(csv.DictReader(fh), 2)]


def _read_parquet(path: Path) -> list[Row]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return [Row(f"{path}: row {i}", r) for i, r in enumerate(table.to_pylist(), 1)]


def _read_txt(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as fh:
        return [Row(f"{path}:{i}", {"text": line.rstrip("\n")}) for i, line in enumerate(fh, 1) if line.strip()]
