"""The sandbox: a second concurrent job refused with the reason, budget warning at 80% and refusal at 100%, only
admins cancel other users' jobs, idle detection, and the runtime cap stopping a real training job with a
checkpoint and a message."""
from __future__ import annotations

import os
import signal
import time

import pytest

from bot.service import Ctx
from jobs import JobStore
from jobs.limits import breach
from jobs.meta import update_meta
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
    sleeper.wait(timeout=30)                                               # SIGINT reached the job's session
    assert sleeper.returncode == -signal.SIGINT


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


def test_idle_detection(tmp_path):
    from jobs.table import Job

    run = tmp_path / "run"
    run.mkdir()
    (run / "logging.jsonl").write_text('{"step": 1}\n')
    now = time.time()
    os.utime(run / "logging.jsonl", (now - 700, now - 700))
    job = Job(1, "u", "sft", [], "running", started=now - 800, run_dir=str(run))
    hit = breach(job, max_runtime_s=3600, idle_s=600, now=now)
    assert hit.kind == "idle" and hit.message.startswith("idle for 11 min (no training step; limit 10 min)")
    assert breach(job, max_runtime_s=3600, idle_s=900, now=now) is None
    assert breach(job, max_runtime_s=60, idle_s=None, now=now).kind == "runtime"


def test_runtime_cap_stops_a_real_job_with_checkpoint_and_message(home):
    svc = make_service(home, gpu_hours_per_day=2.0)
    _past_job(svc.store, "erin", 1.7)                                        # 85% used: warned, still accepted
    outs = svc.handle(Ctx("erin"), ".finetune tiny-lora self-cognition max_steps=400 save_steps=1000 logging_steps=1")
    assert outs[0].text.startswith("job 2 running on local"), outs[0].text
    assert outs[1].text.startswith("warning: 85% of your daily budget used")
    job = svc.store.get(2)
    from jobs.meta import read_meta

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
