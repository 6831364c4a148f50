"""A restarted bot re-attaches to its jobs from the job table: progress of a still-running job is posted again
(and edited on), a job that ended while the bot was down gets its final message, and each final message is sent
once across restarts. Real job rows, a real process standing in for the job, the real console adapter."""
from __future__ import annotations

import io
import json
import time
from pathlib import Path

from bot.console import run as console_run
from jobs.meta import read_meta, update_meta
from tests.bot.conftest import make_service, running_row


def _chat_job(store, user: str, pid: int, platform: str = "console") -> int:
    """A running job as `.finetune` leaves it: its row, meta.json (platform, channel, what chat was told) and a
    run folder whose logging.jsonl has three training steps."""
    job_id = running_row(store, user, pid)
    job = store.table.get(job_id)
    update_meta(job.job_dir, platform=platform, channel="console", title="tiny-lora on self-cognition",
                notified="accepted", machine="local", price_per_h=0.0)
    run = Path(job.job_dir) / "output" / "v0-20260101-000000"
    run.mkdir(parents=True)
    now = time.time()
    (run / "logging.jsonl").write_text("".join(json.dumps({"step": s, "max_steps": 9, "loss": 2.0 - s / 10,
                                                           "time": now}) + "\n" for s in (1, 2, 3)))
    return job_id


def test_restarted_service_follows_running_job_and_sends_final_once(home, sleeper):
    first = make_service(home)
    job_id = _chat_job(first.store, "alice", sleeper.pid)
    other = _chat_job(first.store, "bob", sleeper.pid, platform="discord")         # another front door's job
    del first                                                                      # the bot goes down

    again = make_service(home)
    assert again.reattach("console") == [job_id]                                   # not the Discord one
    (progress,) = again.poll()
    assert progress.key == f"job-{job_id}" and "step 3/9" in progress.text and "loss 1.700" in progress.text
    job = again.store.get(job_id)
    run = job.run_dir
    with open(f"{run}/logging.jsonl", "a") as fh:                                  # the job keeps training
        fh.write(json.dumps({"step": 4, "max_steps": 9, "loss": 1.5, "time": time.time()}) + "\n")
    (edit,) = again.poll()
    assert edit.key == progress.key and "step 4/9" in edit.text                    # the same message, edited
    (Path(job.job_dir) / "exit_code").write_text("0")         # it ends
    outs = []
    for _ in range(4):
        outs += again.poll()
    finals = [o for o in outs if o.final]
    assert len(finals) == 1 and finals[0].text.startswith(f"job {job_id} done"), [o.text for o in outs]
    assert read_meta(job.job_dir)["notified"] == "final"
    assert not again.active()

    third = make_service(home)                                                     # restarted once more
    assert third.reattach("console") == []
    assert third.poll() == []
    assert third.reattach("discord") == [other]


def test_console_restart_prints_final_of_job_that_ended_while_down(home, sleeper):
    svc = make_service(home)
    job_id = _chat_job(svc.store, "alice", sleeper.pid)
    job = svc.store.get(job_id)
    update_meta(job.job_dir, notified="accepted")
    (Path(job.job_dir) / "exit_code").write_text("130")      # stopped while the bot was down
    out = io.StringIO()
    assert console_run(make_service(home), "alice", stdin=io.StringIO(""), stdout=out, poll_s=0.05) == 0
    text = out.getvalue()
    assert f"following job {job_id} again" in text
    assert text.count(f"bot: job {job_id} stopped") == 1, text
    assert "step 3/9" in text and "stopped" in text.splitlines()[1], text         # the last progress, re-posted
    again = io.StringIO()
    console_run(make_service(home), "alice", stdin=io.StringIO(""), stdout=again, poll_s=0.05)
    assert again.getvalue() == ""                                                  # told once, never again
    other = io.StringIO()                                                          # bob's console is not alice's
    console_run(make_service(home), "bob", stdin=io.StringIO(".status\n"), stdout=other, poll_s=0.05)
    assert f"job {job_id}" not in other.getvalue()

