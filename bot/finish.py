"""What a job's end brings to chat: artifacts uploaded, links that expire, answers before/after, the record."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.progress import record_summary
from jobs.answers import answer, best_checkpoint
from jobs.artifacts import sha256
from jobs.events import read_events
from jobs.meta import read_meta, update_meta
from jobs.store import JobStore
from jobs.table import Job

ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")


def upload(store: JobStore, artifacts, job: Job, record: dict, ttl_s: float) -> dict:
    """Put the adapter, the report and the logs in the artifact store; {name: {'link', 'sha256'}}."""
    out: dict[str, dict] = {}
    job_dir = Path(job.job_dir)
    report = job_dir / "report.json"
    report.write_text(json.dumps(record, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    files = [report, job_dir / "stdout.log"]
    if job.run_dir:
        files.append(Path(job.run_dir) / "logging.jsonl")
    ckpt = best_checkpoint(store, job)
    if ckpt:
        files += [ckpt / f for f in ADAPTER_FILES if (ckpt / f).is_file()]
    for path in files:
        if path.is_file():
            name = artifacts.put(path, f"job-{job.id}/{path.name}")
            out[path.name] = {"link": artifacts.link(name, ttl_s), "sha256": sha256(path)}
    return out


def samples(store: JobStore, job: Job, prompts: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(prompt, before, after) for each prompt: the base model's answer and the trained adapter's."""
    ckpt = best_checkpoint(store, job)
    base = _flag(job.argv, "--model")
    if ckpt is None or base is None:
        return []
    with ThreadPoolExecutor(2) as pool:
        futures = [(p, pool.submit(answer, ["--model", base], p, store.python),
                    pool.submit(answer, ["--adapters", str(ckpt)], p, store.python)) for p in prompts]
        return [(p, b.result(), a.result()) for p, b, a in futures]


def _flag(argv: list[str], flag: str) -> str | None:
    return argv[argv.index(flag) + 1] if flag in argv and argv.index(flag) + 1 < len(argv) else None


def samples_message(store: JobStore, job: Job, prompts: tuple[str, ...]) -> str | None:
    """The trained model's answers next to the base model's (a done job with prompts to ask), else None."""
    if job.status != "done" or not prompts:
        return None
    lines = [f"job {job.id}: Q: {p} | before: {b} | after: {a}" for p, b, a in samples(store, job, prompts)]
    return "\n".join(lines) or None


def final_message(store: JobStore, artifacts, job: Job, ttl_s: float) -> str:
    """The job's last message; also keeps its structured record in meta.json and measured_peak in the table."""
    meta = read_meta(job.job_dir)
    records = [d for _, _, d in read_events(store.run_dirs(job))]
    record = record_summary(job, records, meta)
    if record["measured_peak_mib"]:
        store.table.update(job.id, measured_peak=int(record["measured_peak_mib"] * 2**20))
    update_meta(job.job_dir, record=record)
    head = f"job {job.id} {job.status}"
    if job.status == "failed":
        from jobs.cloud import failure_line

        reason = job.reason or (failure_line(job) if meta.get("backend") == "cloud" else None)
        return f"{head}: {reason or 'see the log'}"
    lines = [head + (f": {meta['stop_reason']}" if meta.get("stop_reason") else "")]
    links = upload(store, artifacts, job, record, ttl_s)
    ckpt = best_checkpoint(store, job)
    if ckpt is not None:
        lines.append(f"checkpoint: {ckpt.name} (step {record['steps']}), loss {record['loss_first']:.3f} → "
                     f"{record['loss_last']:.3f}" if record["loss_first"] is not None else f"checkpoint: {ckpt.name}")
    expires = f"expires in {int(ttl_s // 60)} min" if ttl_s >= 120 else f"expires in {int(ttl_s)} s"
    if "adapter_model.safetensors" in links:
        a = links["adapter_model.safetensors"]
        lines.append(f"adapter: {a['link']} (sha256 {a['sha256']}, {expires})")
    if "report.json" in links:
        lines.append(f"report: {links['report.json']['link']}")
    update_meta(job.job_dir, links={k: v["sha256"] for k, v in links.items()})
    return "\n".join(lines)
