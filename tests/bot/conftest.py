"""Fixtures shared by the bot's tests: a job-store home with the session's tiny model, a service over it, a
real idle process standing in for a running job; every artifact server a test started is stopped after it."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from bot.config import BotConfig, Limits
from bot.service import BotService
from jobs import JobStore
from tests.conftest import REPO


@pytest.fixture(autouse=True)
def _stop_artifact_servers(tmp_path):
    yield
    for port_file in tmp_path.rglob("server.port"):
        parts = port_file.read_text().split()
        if len(parts) == 2:
            try:
                os.kill(int(parts[1]), signal.SIGTERM)
            except ProcessLookupError:
                pass


@pytest.fixture
def home(tmp_path, tiny_model, monkeypatch):
    """A YICHUI_HOME whose tiny model is the session's (not built again); jobs import this worktree's code."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / "tiny").symlink_to(tiny_model)
    return home


def make_service(home, admins: tuple[str, ...] = ("root",), **limits) -> BotService:
    """A service with progress edits unthrottled and no sample prompts (tests ask for what they check)."""
    cfg = BotConfig(admins=admins, progress_interval_s=0.0, limits=Limits(**limits), sample_prompts=())
    return BotService(cfg, JobStore(home))


@pytest.fixture
def sleeper(home):
    """A real (idle) process in its own session, standing in for a running job's process."""
    # SIGINT back to its default: a test process started in the background by a non-interactive shell (the CI
    # lane's second process) has SIGINT ignored, and `sleep` would inherit that.
    proc = subprocess.Popen(["sleep", "300"], start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def running_row(store: JobStore, user: str, pid: int, started: float | None = None) -> int:
    """A job row as the core writes it for a running job whose process is `pid`."""
    job_id = store.table.insert(user, "sft", ["sft", "--max_steps", "9"], "running")
    job_dir = store.root / "jobs" / str(job_id)
    job_dir.mkdir(parents=True)
    store.table.update(job_id, pid=pid, started=time.time() if started is None else started, job_dir=str(job_dir))
    return job_id
