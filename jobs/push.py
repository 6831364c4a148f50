"""Run on the cloud machine when a job's task ends (the last lines of its SkyPilot `run`): upload the job's
outputs to the artifact store so they outlive the machine (autostop tears it down).

    python -m jobs.push <job folder> <job id> <training exit code>

Uploads, under `job-<id>/machine/`: the newest run folder's last complete checkpoint's adapter files, its
logging.jsonl, the eval scores it asked for (evalscope_eval/<label>/<run>/predictions.jsonl and eval_report.json),
the training log (train.log) and report.json (exit code, checkpoint, steps, loss first/last), then
manifest.json ({name: {sha256, bytes}}) last, so the bot knows the upload is whole. The store is named by the
task's envs (YICHUI_S3_BUCKET, YICHUI_S3_ENDPOINT, YICHUI_S3_REGION, YICHUI_S3_PREFIX); credentials come from
SkyPilot secrets in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and are never printed."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from jobs.artifacts import ADAPTER_FILES, S3Store, sha256

PREFIX = "job-{id}/machine/"
EVAL_FILES = ("predictions.jsonl", "eval_report.json")      # per label (base, checkpoint-N) and run: jobs/evalscore


def _report(run_dir: Path | None, ckpt: Path | None, job_id: int, code: int) -> dict:
    records = []
    if run_dir is not None and (run_dir / "logging.jsonl").is_file():
        from jobs.events import log_records

        records = log_records(run_dir)
    losses = [r["loss"] for r in records if isinstance(r.get("loss"), (int, float))]
    steps = [r["step"] for r in records if isinstance(r.get("step"), int)]
    return {"job": job_id, "exit_code": code, "checkpoint": ckpt.name if ckpt else None,
            "steps": max(steps) if steps else None, "loss_first": losses[0] if losses else None,
            "loss_last": losses[-1] if losses else None}


def collect(folder: Path, job_id: int, code: int) -> dict[str, Path]:
    """{name in the store: local file} of what comes back from the machine (report.json written here)."""
    from swift_cli.engine.runs import last_checkpoint

    out = folder / "output"
    runs = sorted((p for p in out.glob("v*-*") if p.is_dir()), key=lambda p: p.stat().st_mtime) if out.is_dir() \
        else []
    run_dir = runs[-1] if runs else None
    ckpt = last_checkpoint(run_dir, complete=True) if run_dir else None
    files = {name: ckpt / name for name in ADAPTER_FILES} if ckpt else {}
    if run_dir is not None:
        files["logging.jsonl"] = run_dir / "logging.jsonl"
        for path in sorted(run_dir.glob("evalscope_eval/*/*/*")):      # the scores the job asked for
            if path.name in EVAL_FILES:
                files[path.relative_to(run_dir).as_posix()] = path
    files["train.log"] = folder / "train.log"
    report = folder / "report.json"
    report.write_text(json.dumps(_report(run_dir, ckpt, job_id, code), indent=1), encoding="utf-8")
    files["report.json"] = report
    return {name: path for name, path in files.items() if path.is_file()}


def push(folder: Path, job_id: int, code: int, env: dict | None = None) -> dict | None:
    """Upload and return the manifest; None (and one line saying so) when no store is configured."""
    env = os.environ if env is None else env
    bucket = env.get("YICHUI_S3_BUCKET")
    if not bucket:
        print("note: no artifact store configured (YICHUI_S3_BUCKET): the outputs stay on this machine")
        return None
    store = S3Store(bucket, env.get("YICHUI_S3_ENDPOINT") or None, env.get("YICHUI_S3_REGION") or "us-east-1",
                    env.get("YICHUI_S3_PREFIX", ""))
    store.ensure_bucket()
    prefix = PREFIX.format(id=job_id)
    manifest = {}
    for name, path in collect(folder, job_id, code).items():
        store.put(path, prefix + name)
        manifest[name] = {"sha256": sha256(path), "bytes": path.stat().st_size}
    text = json.dumps(manifest, indent=1)
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    store.put(folder / "manifest.json", prefix + "manifest.json")
    print(f"uploaded {len(manifest)} files to the artifact store: {', '.join(manifest)}")
    return manifest


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[1].isdigit():
        print("usage: python -m jobs.push <job folder> <job id> <exit code>", file=sys.stderr)
        return 2
    try:
        push(Path(argv[0]), int(argv[1]), int(argv[2]) if argv[2].lstrip("-").isdigit() else 1)
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback with the environment in it
        print(f"error: upload to the artifact store failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
