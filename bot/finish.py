"""What a job's end brings to chat: artifacts uploaded, links that expire, answers before/after, the record."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.progress import record_summary
from jobs.answers import answer, best_checkpoint
from jobs.artifacts import ADAPTER_FILES, sha256
from jobs.events import read_events
from jobs.record import argv_value
from jobs.meta import read_meta, update_meta
from jobs.store import JobStore
from jobs.table import Job


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
    base = argv_value(job.argv, "model")
    if ckpt is None or base is None:
        return []
    with ThreadPoolExecutor(2) as pool:
        futures = [(p, pool.submit(answer, ["--model", base], p, store.python),
                    pool.submit(answer, ["--adapters", str(ckpt)], p, store.python)) for p in prompts]
        return [(p, b.result(), a.result()) for p, b, a in futures]


def samples_message(store: JobStore, job: Job, prompts: tuple[str, ...]) -> str | None:
    """The trained model's answers next to the base model's (a done job with prompts to ask), else None."""
    if job.status != "done" or not prompts:
        return None
    lines = [f"job {job.id}: Q: {p} | before: {b} | after: {a}" for p, b, a in samples(store, job, prompts)]
    return "\n".join(lines) or None


def _eval_lines(store: JobStore, job: Job, record: dict) -> list[str]:
    """The eval score the job asked for (kept in its record and the table's score column), else nothing."""
    from jobs.evalscore import asked_for_eval, eval_lines, eval_scores

    if not asked_for_eval(job.argv):
        return []
    ckpt = best_checkpoint(store, job)
    scores = eval_scores(store.run_dirs(job), ckpt.name if ckpt else None)
    record["eval"] = scores
    if not scores:
        return ["eval: asked for, but no score was recorded (see the log: `warning: evalscope scoring ...`)"]
    store.table.update(job.id, score=scores[0]["score"])
    return eval_lines(scores)


def _cloud_run(job: Job) -> Path:
    """Where a cloud job's records land in its job folder (a run folder the job core reads like a local one)."""
    run = Path(job.job_dir) / "output" / "v0-cloud"
    run.mkdir(parents=True, exist_ok=True)
    return run


def pull_progress(artifacts, job: Job) -> bool:
    """A running cloud job's logging.jsonl as the machine last uploaded it (jobs/push_progress.py), copied into
    the job's folder so its progress message is built like a local job's. False when nothing is there yet."""
    from jobs.push_progress import PROGRESS

    log = artifacts.read(PROGRESS.format(id=job.id))
    if not log:
        return False
    (_cloud_run(job) / "logging.jsonl").write_bytes(log)
    return True


def bring_home(artifacts, job: Job) -> dict | None:
    """A cloud job's outputs, uploaded by the machine (jobs/push.py): its manifest ({name: {sha256, bytes}}), and
    its logging.jsonl and eval scores (evalscope_eval/...) copied into the job's folder (output/v0-cloud/) so the
    record has the loss trend and the final reply the score. None when nothing came back (no manifest)."""
    from jobs.push import PREFIX

    prefix = PREFIX.format(id=job.id)
    raw = artifacts.read(prefix + "manifest.json")
    if raw is None:
        return None
    manifest = json.loads(raw)
    for name in manifest:
        if name == "logging.jsonl" or name.startswith("evalscope_eval/"):
            body = artifacts.read(prefix + name)
            if body is not None and ".." not in Path(name).parts:
                dest = _cloud_run(job) / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(body)
    return manifest


def machine_lines(artifacts, job: Job, manifest: dict | None, ttl_s: float) -> list[str]:
    """The links to what the cloud machine uploaded (they expire as the store enforces)."""
    from jobs.push import PREFIX

    if manifest is None:
        return ["outputs: nothing came back from the machine (no manifest in the artifact store; with a local "
                "store the outputs stay on the machine): see the log"]
    prefix = PREFIX.format(id=job.id)
    lines = []
    for name, label in (("adapter_model.safetensors", "adapter"), ("report.json", "machine report"),
                        ("train.log", "training log")):
        if name in manifest:
            sha = f" (sha256 {manifest[name]['sha256']})" if label == "adapter" else ""
            lines.append(f"{label}: {artifacts.link(prefix + name, ttl_s)}{sha}")
    return lines


def final_message(store: JobStore, artifacts, job: Job, ttl_s: float) -> str:
    """The job's last message; also keeps its structured record in meta.json and measured_peak in the table."""
    meta = read_meta(job.job_dir)
    cloud = meta.get("backend") == "cloud"
    manifest = bring_home(artifacts, job) if cloud and job.status != "failed" else None
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
    evals = _eval_lines(store, job, record)
    if "eval" in record:
        update_meta(job.job_dir, record=record)
    links = upload(store, artifacts, job, record, ttl_s)
    ckpt = best_checkpoint(store, job)
    if ckpt is not None:
        lines.append(f"checkpoint: {ckpt.name} (step {record['steps']}), loss {record['loss_first']:.3f} → "
                     f"{record['loss_last']:.3f}" if record["loss_first"] is not None else f"checkpoint: {ckpt.name}")
    expires = f"expires in {int(ttl_s // 60)} min" if ttl_s >= 120 else f"expires in {int(ttl_s)} s"
    if cloud and record["loss_first"] is not None:
        lines.append(f"trained on the machine: step {record['steps']}, loss {record['loss_first']:.3f} → "
                     f"{record['loss_last']:.3f}")
    if cloud:
        lines += machine_lines(artifacts, job, manifest, ttl_s)
        update_meta(job.job_dir, machine_outputs=manifest)
    if "adapter_model.safetensors" in links:
        a = links["adapter_model.safetensors"]
        lines.append(f"adapter: {a['link']} (sha256 {a['sha256']}, {expires})")
    if "report.json" in links:
        lines.append(f"report: {links['report.json']['link']}")
    lines += evals
    update_meta(job.job_dir, links={k: v["sha256"] for k, v in links.items()})
    return "\n".join(lines)
