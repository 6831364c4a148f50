"""The jobs table (SQLite): one row per job; the only place a job is found again (never the process table)."""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS = ("id", "user", "command", "argv", "status", "reason", "pid", "job_dir", "run_dir", "created", "started",
           "ended", "exit_code", "predicted_peak", "measured_peak", "last_step", "last_loss", "score")
SCHEMA = """CREATE TABLE IF NOT EXISTS jobs (
 id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT, command TEXT, argv TEXT, status TEXT, reason TEXT, pid INTEGER,
 job_dir TEXT, run_dir TEXT, created REAL, started REAL, ended REAL, exit_code INTEGER, predicted_peak INTEGER,
 measured_peak INTEGER, last_step INTEGER, last_loss REAL, score REAL)"""
# queued → running → done | failed | stopped; refused never runs. stopped jobs can be resumed.
ACTIVE = ("queued", "running")


@dataclass
class Job:
    """One row of the table. `argv` is the swift command's arguments (after `swift`), never a shell string."""

    id: int
    user: str
    command: str
    argv: list[str]
    status: str
    reason: str | None = None
    pid: int | None = None
    job_dir: str = ""
    run_dir: str | None = None
    created: float = 0.0
    started: float | None = None
    ended: float | None = None
    exit_code: int | None = None
    predicted_peak: int | None = None
    measured_peak: int | None = None
    last_step: int | None = None
    last_loss: float | None = None
    score: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def command_line(self) -> str:
        import shlex

        return shlex.join(["swift", *self.argv])

    def to_dict(self) -> dict:
        return {c: getattr(self, c) for c in COLUMNS} | {"command_line": self.command_line}


class Table:
    """Thin typed access to the jobs table."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._db() as db:
            db.execute(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        return db

    def insert(self, user: str, command: str, argv: list[str], status: str, **values) -> int:
        cols = {"user": user, "command": command, "argv": json.dumps(argv), "status": status,
                "created": time.time(), **values}
        with self._db() as db:
            cur = db.execute(f"INSERT INTO jobs ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                             tuple(cols.values()))
            return int(cur.lastrowid)

    def update(self, job_id: int, **values) -> None:
        if "argv" in values:
            values["argv"] = json.dumps(values["argv"])
        with self._db() as db:
            db.execute(f"UPDATE jobs SET {','.join(f'{k}=?' for k in values)} WHERE id=?", (*values.values(), job_id))

    def get(self, job_id: int) -> Job | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        return _job(row) if row else None

    def all(self, status: tuple[str, ...] | None = None, user: str | None = None) -> list[Job]:
        sql, args = "SELECT * FROM jobs WHERE 1=1", []
        if status:
            sql += f" AND status IN ({','.join('?' * len(status))})"
            args += list(status)
        if user is not None:
            sql += " AND user=?"
            args.append(user)
        with self._db() as db:
            return [_job(r) for r in db.execute(sql + " ORDER BY id", args).fetchall()]


def _job(row: sqlite3.Row) -> Job:
    d = dict(row)
    d["argv"] = json.loads(d["argv"] or "[]")
    return Job(**d)
