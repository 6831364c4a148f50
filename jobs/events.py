"""Events of a job from its run folder, with integer ids so that a client resumes from the last id it saw.

Ids are stable: logging.jsonl record N (1-based) has id N; the terminal 'status' event has id 10**9. Kinds:
'log' (a logging.jsonl record: step, loss, lr, grad_norm, eval scores, monitor samples) and 'status'."""
from __future__ import annotations

import json
from pathlib import Path

END_ID = 10**9


def run_dir_of(job_dir: Path) -> Path | None:
    """The run folder (output/vN-...) the job's swift process created, newest first."""
    out = job_dir / "output"
    runs = sorted((p for p in out.glob("v*-*") if p.is_dir()), key=lambda p: p.stat().st_mtime) if out.is_dir() else []
    return runs[-1] if runs else None


def log_records(run_dir: Path | None) -> list[dict]:
    """Complete records of logging.jsonl (a line being written is left for next time)."""
    if run_dir is None or not (run_dir / "logging.jsonl").is_file():
        return []
    text = (run_dir / "logging.jsonl").read_text(encoding="utf-8")
    out = []
    for line in text.split("\n")[:-1] if not text.endswith("\n") else text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append({"unparsed": line})
    return out


def read_events(run_dirs: list[Path], after: int = 0) -> list[tuple[int, str, dict]]:
    """(id, kind, data) for every record of the job's run folders (first run, then resumed ones) with id > after."""
    records: list[dict] = []
    for rd in run_dirs:
        records += log_records(rd)
    return [(i, "log", r) for i, r in enumerate(records, 1) if i > after]
