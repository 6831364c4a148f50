"""The job core with real subprocesses on the tiny model: admission, queue, events with ids, stop (SIGINT →
checkpoint, exit 130), resume from the checkpoint, recovery by a fresh JobStore, and `swift jobs`."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from jobs import JobStore
from tests.conftest import REPO, swift

RECIPE = str(REPO / "recipes" / "tiny-self-cognition.yaml")


def _values(model: Path, steps: int, **more) -> dict:
    return {"dataset": ["self-cognition#400"], "model_name": ["小锤", "Yichui"], "model_author": ["一锤定音", "yichui"],
            "train_type": "lora", "learning_rate": 2e-3, "max_length": 256, "model": str(model), "max_steps": steps, "save_steps": 5, "report_to": "none",
            "logging_steps": 1, **more}


def _wait(store: JobStore, job_id: int, cond, timeout: float = 240.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = store.get(job_id)
        if cond(job):
            return job
        assert job.status != "failed", f"{job}; log {store.log_tail(job_id)}"
        time.sleep(0.5)
    raise AssertionError(f"timeout; job {store.get(job_id)}; log {store.log_tail(job_id)}")


@pytest.fixture
def store(tmp_path, monkeypatch) -> JobStore:
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    return JobStore(tmp_path / "home")


def test_refused_with_planner_reason(store, tiny_model):
    # the plan measures the rows' real lengths, so the size comes from the batch (not a max_length no row reaches)
    job = store.submit("sft", _values(tiny_model, 2, hardware="cpu", max_length=10**7, train_type="full",
                                      per_device_train_batch_size=100000), user="bob")
    assert job.status == "refused" and job.user == "bob"
    assert job.reason and "GiB" in job.reason and job.pid is None


def test_run_stop_resume_recover(store, tiny_model):
    job = store.submit("sft", _values(tiny_model, 400), user="alice")
    assert job.status == "running", job.reason
    assert job.argv[0] == "sft" and "--output_dir" in job.argv      # an argv, no shell string
    job = _wait(store, job.id, lambda j: (j.last_step or 0) >= 3)
    first = store.events(job.id)
    ids = [i for i, _, _ in first]
    assert ids == list(range(1, len(ids) + 1))
    assert store.events(job.id, after=ids[-1]) == [] or store.events(job.id, after=ids[-1])[0][0] == ids[-1] + 1
    # a restarted UI: a new store on the same home finds the running job without scanning processes
    again = JobStore(store.root)
    assert again.get(job.id).status == "running" and again.get(job.id).pid == job.pid
    stopped = again.stop(job.id, grace=120)
    assert stopped.status == "stopped" and stopped.exit_code == 130, again.log_tail(job.id)
    assert list(Path(stopped.run_dir).glob("checkpoint-*")), "SIGINT saves a checkpoint"
    seen = stopped.last_step
    resumed = again.resume(job.id)
    assert resumed.status == "running" and "--resume_from_checkpoint" in resumed.argv
    _wait(again, job.id, lambda j: (j.last_step or 0) > seen + 1)     # resumed in the same run folder
    events = again.events(job.id)
    assert [i for i, _, _ in events] == list(range(1, len(events) + 1))     # ids continue across the resume
    again.stop(job.id, grace=120)
    end = again.events(job.id)[-1]
    assert end[1] == "status" and end[2]["status"] == "stopped"


def test_queue_waits_for_running_job(store, tiny_model):
    first = store.submit("sft", _values(tiny_model, 400))
    assert first.status == "running"
    store.table.update(first.id, predicted_peak=10**15)      # pretend the running job holds all memory
    second = store.submit("sft", _values(tiny_model, 2))
    assert second.status == "queued" and "free next to the running jobs" in second.reason
    store.stop(first.id, grace=120)
    assert store.get(second.id).status in ("running", "done")
    _wait(store, second.id, lambda j: j.status == "done")


def test_jobs_cli(tmp_path, tiny_model):
    env = {"YICHUI_HOME": str(tmp_path / "h"), "PYTHONPATH": str(REPO)}
    proc = swift("jobs", "submit", "sft", "--config", RECIPE, "--model", tiny_model, "--max_steps", "2",
                 "--report_to", "none", "--logging_steps", "1", env=env)
    assert proc.returncode == 0 and proc.stdout.startswith("job 1: running"), proc.stderr
    proc = swift("jobs", "logs", "1", "--follow", env=env, timeout=300)
    assert '"id": 1' in proc.stdout and '"status": "done"' in proc.stdout, proc.stdout + proc.stderr
    assert "done" in swift("jobs", "list", env=env).stdout
    bad = swift("jobs", "show", "99", env=env)
    assert bad.returncode == 2 and "no job 99" in bad.stderr and "Traceback" not in bad.stderr


def test_eval_job_starts_beside_a_running_training_job(store, tiny_model):
    """An eval job has the planner's estimate now (weights + KV cache), so it starts next to a training job when
    both fit, and waits with the estimate in its reason when they do not."""
    train = store.submit("sft", _values(tiny_model, 400))
    assert train.status == "running", train.reason
    _wait(store, train.id, lambda j: (j.last_step or 0) >= 1)
    values = {"model": str(tiny_model), "eval_dataset": ["yichui_mcq"], "eval_limit": 1,
              "eval_generation_config": '{"max_tokens": 4}'}
    ev = store.submit("eval", values)
    assert ev.status == "running" and ev.predicted_peak and ev.predicted_peak < 2**30, (ev.status, ev.reason)
    assert store.get(train.id).status == "running"                      # side by side
    store.table.update(train.id, predicted_peak=10**15)                 # now pretend training holds all memory
    waiting = store.submit("eval", values)
    assert waiting.status == "queued" and waiting.reason.startswith("needs 0.")
    assert "free next to the running jobs" in waiting.reason
    store.stop(train.id, grace=120)
    assert store.get(waiting.id).status in ("running", "done")        # started once the training ended
    done = _wait(store, ev.id, lambda j: j.status == "done", timeout=600)
    assert done.exit_code == 0 and list(Path(done.job_dir, "output").glob("*/eval_report.json"))
    store.stop(waiting.id, grace=60)
