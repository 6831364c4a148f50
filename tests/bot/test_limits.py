"""The sandbox: a second concurrent job refused with the reason, budget warning at 80% and refusal at 100%, only
admins cancel other users' jobs, idle detection, and the runtime cap stopping a real training job with a
checkpoint and a message."""
from __future__ import annotations

import json
import time

import pytest

from bot.service import Ctx
from jobs import JobStore
from jobs.limits import breach
from jobs.meta import read_meta, update_meta
from jobs.quota import day_start
from tests.bot.conftest import make_service, running_row


def _past_job(store: JobStore, user: str, hours: float, status: str = "done") -> int:
    """A finished job of `user` that ran `hours` today (a row as the core writes it)."""
    start = max(day_start(), time.time() - hours * 3600 - 60)
    job_id = store.table.insert(user, "sft", ["sft"], status)
    (store.root / "jobs" / str(job_id)).mkdir(parents=True, exist_ok=True)
    store.table.update(job_id, started=start, ended=start + hours * 3600, job_dir=str(store.root / "jobs" / str(job_id)))
    return job_id


def test_second_concurrent_job_refused_and_admin_cancel(home, sleeper):
    svc = make_service(home, max_concurrent=1)
    first = running_row(svc.store, "bob", sleeper.pid)
    (reply,) = svc.handle(Ctx("bob"), ".finetune tiny-lora self-cognition")
    assert reply.text == (f"refused: you have 1 active job(s) ({first}); the limit is 1 at a time; .cancel one or "
                          f"wait")
    assert len(svc.store.list()) == 1                                      # nothing submitted
    (other,) = svc.handle(Ctx("mallory"), f".cancel {first}")
    assert other.text == f"refused: job {first} is bob's; only admins can cancel other users' jobs"
    assert sleeper.poll() is None
    (admin,) = svc.handle(Ctx("root"), f".cancel {first}")
    assert admin.text == f"job {first}: stopping (a checkpoint is saved first)"
    assert sleeper.stopped_by() == "SIGINT"                                # SIGINT reached the job's session


def test_budget_warning_at_80_and_refusal_at_100(home):
    svc = make_service(home, gpu_hours_per_day=1.0, max_concurrent=5)
    _past_job(svc.store, "carol", 0.85)
    warning, left = svc._check_quota(Ctx("carol"))
    assert warning.startswith("warning: 85% of your daily budget used (0.85 of 1 GPU-hours used today)")
    assert left == pytest.approx(0.15, abs=0.01)
    (quota,) = svc.handle(Ctx("carol"), ".quota")
    assert "0.850 of 1 GPU-hours today (85%)" in quota.text
    _past_job(svc.store, "carol", 0.2)
    (reply,) = svc.handle(Ctx("carol"), ".finetune tiny-lora self-cognition")
    assert reply.text.startswith("refused: daily budget reached (1.05 of 1 GPU-hours used today)")
    assert [j.status for j in svc.store.list()] == ["done", "done"]        # nothing submitted
    (dave,) = svc.handle(Ctx("dave"), ".quota")                            # budgets are per user
    assert "0.000 of 1 GPU-hours today (0%)" in dave.text


def _steps(at: list[float], first: int = 1) -> list[dict]:
    return [{"step": first + i, "max_steps": 90, "loss": 2.0, "time": t} for i, t in enumerate(at)]


def test_idle_counts_from_the_last_step_not_the_start():
    from jobs.table import Job

    now = time.time()
    job = Job(1, "u", "sft", [], "running", started=now - 3000)
    assert breach(job, 7200, 600, now=now, records=[]) is None              # slow to start: loading, not idle
    moving = _steps([now - 2000, now - 1000, now - 100])                     # progress until 100 s ago
    assert breach(job, 7200, 600, now=now, records=moving) is None
    stalled = _steps([now - 2000, now - 700]) + [{"step": 2, "max_steps": 90, "memory_rss_mib": 1.0,
                                                   "time": now - 10}]       # a record, but no new step
    hit = breach(job, 7200, 600, now=now, records=stalled)
    assert hit.kind == "idle" and hit.message == ("idle for 11 min (no training step after step 2; limit 10 min): "
                                                  "stopped with a checkpoint")
    resumed = Job(1, "u", "sft", [], "running", started=now - 50)           # old records: the run before resume
    assert breach(resumed, 7200, 30, now=now, records=stalled) is None
    assert breach(job, 60, None, now=now, records=moving).kind == "runtime"


def test_service_stops_a_job_that_stalls_after_progress(home, sleeper):
    from pathlib import Path

    svc = make_service(home)
    job_id = running_row(svc.store, "ivy", sleeper.pid, started=time.time() - 900)   # 15 min since start
    job_dir = Path(svc.store.table.get(job_id).job_dir)
    update_meta(job_dir, platform="console", channel="console", notified="accepted", idle_s=600)
    svc.reattach("console")
    run = job_dir / "output" / "v0-20260101-000000"
    run.mkdir(parents=True)
    log = run / "logging.jsonl"                                              # not written yet
    assert [o.key for o in svc.poll()] == [f"job-{job_id}"]                 # no step yet: starting, not stopped
    assert sleeper.poll() is None and svc.store.get(job_id).status == "running"
    now = time.time()
    log.write_text("".join(json.dumps(r) + "\n" for r in _steps([now - 800, now - 300])))
    svc.poll()
    assert sleeper.poll() is None                                            # a step 5 min ago: working
    with log.open("a") as fh:                                                # a monitor sample: not a step
        fh.write(json.dumps({"step": 2, "max_steps": 90, "memory_rss_mib": 1.0, "time": now}) + "\n")
    svc.poll()
    assert sleeper.poll() is None
    log.write_text("".join(json.dumps(r) + "\n" for r in _steps([now - 800, now - 660])))  # stalled 11 min
    svc.poll()
    assert sleeper.stopped_by() == "SIGINT"                                  # SIGINT: save a checkpoint and stop
    (stop,) = [r for r in svc.audit.read() if r.get("decision") == "stop-idle"]
    assert stop["reply"].startswith("idle for 11 min (no training step after step 2; limit 10 min)")
    assert read_meta(job_dir)["stop_reason"] == stop["reply"]


def test_runtime_cap_stops_a_real_job_with_checkpoint_and_message(home):
    svc = make_service(home, gpu_hours_per_day=2.0)
    _past_job(svc.store, "erin", 1.7)                                        # 85% used: warned, still accepted
    outs = svc.handle(Ctx("erin"), ".finetune tiny-lora self-cognition max_steps=400 save_steps=1000 logging_steps=1")
    assert outs[0].text.startswith("job 2 running on local"), outs[0].text
    assert outs[1].text.startswith("warning: 85% of your daily budget used")
    job = svc.store.get(2)
    assert read_meta(job.job_dir)["max_runtime_s"] == pytest.approx(0.3 * 3600, rel=0.02)   # the budget left
    end = time.monotonic() + 300
    while (svc.store.get(2).last_step or 0) < 3:
        assert time.monotonic() < end and svc.store.get(2).status == "running", svc.store.log_tail(2)
        time.sleep(0.5)
    update_meta(job.job_dir, max_runtime_s=1)       # the cap it was given has now passed
    final = []
    while not final:
        assert time.monotonic() < end, svc.store.log_tail(2)
        final = [o for o in svc.poll() if o.final]
        time.sleep(0.5)
    text = final[0].text
    assert text.startswith("job 2 stopped: runtime cap reached (1 s): stopped with a checkpoint"), text
    assert "checkpoint: checkpoint-" in text and "adapter: http://127.0.0.1:" in text
    job = svc.store.get(2)
    assert job.status == "stopped" and job.exit_code == 130
    decisions = [r["decision"] for r in svc.audit.read() if r["kind"] == "decision"]
    assert decisions == ["accepted", "stop-runtime"]
