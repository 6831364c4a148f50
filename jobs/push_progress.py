"""Run on the cloud machine next to the training (started by the task's `run`, stopped when training ends): copy
the run folder's logging.jsonl to the artifact store every few seconds, so the bot reads a cloud job's progress
(step, loss, ETA) like a local job's, from the same records.

    python -m jobs.push_progress <job folder> <job id> [every_s]

Uploads `job-<id>/machine/progress/logging.jsonl` whenever the file grew. The store is named by the task's envs
(jobs/push.py); with none configured it exits at once. A failed upload is one line and the next round tries again:
progress is best effort, the final upload (jobs/push.py) is what counts."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

PROGRESS = "job-{id}/machine/progress/logging.jsonl"


def newest_log(folder: Path) -> Path | None:
    from jobs.events import run_dir_of

    run = run_dir_of(folder)
    return run / "logging.jsonl" if run is not None and (run / "logging.jsonl").is_file() else None


def push_once(store, folder: Path, job_id: int, last_size: int) -> int:
    """Upload the log when it grew since `last_size`; returns the size now uploaded (or still last_size)."""
    log = newest_log(folder)
    if log is None or log.stat().st_size == last_size:
        return last_size
    size = log.stat().st_size
    store.put(log, PROGRESS.format(id=job_id))
    return size


def follow(folder: Path, job_id: int, every_s: float, env: dict | None = None, rounds: int | None = None) -> int:
    """Upload the growing log every `every_s` seconds (forever, or `rounds` times); returns the uploads made."""
    from jobs.artifacts import S3Store

    env = os.environ if env is None else env
    if not env.get("YICHUI_S3_BUCKET"):
        return 0
    store = S3Store(env["YICHUI_S3_BUCKET"], env.get("YICHUI_S3_ENDPOINT") or None,
                    env.get("YICHUI_S3_REGION") or "us-east-1", env.get("YICHUI_S3_PREFIX", ""))
    size, uploads, n = -1, 0, 0
    while rounds is None or n < rounds:
        n += 1
        try:
            new = push_once(store, folder, job_id, size)
            uploads += new != size
            size = new
        except Exception as exc:  # noqa: BLE001 - best effort; one line, never a traceback with the environment
            print(f"warning: progress upload failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        time.sleep(every_s)
    return uploads


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or not argv[1].isdigit():
        print("usage: python -m jobs.push_progress <job folder> <job id> [every_s]", file=sys.stderr)
        return 2
    follow(Path(argv[0]), int(argv[1]), float(argv[2]) if len(argv) == 3 else 30.0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
