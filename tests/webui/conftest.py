"""Fixtures for the web UI: a console over a fresh job store (TestClient), and a real `swift web-ui` process."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture
def make_client(tmp_path, monkeypatch):
    """make_client(**console_fields) -> (TestClient, Console) over a JobStore in tmp_path."""
    from fastapi.testclient import TestClient

    from jobs import JobStore
    from webui.app import Console, create_app

    monkeypatch.setenv("PYTHONPATH", str(REPO))
    made = []

    def make(**fields):
        console = Console(store=JobStore(tmp_path / "home"), **fields)
        client = TestClient(create_app(console))
        made.append(console)
        return client, console

    yield make
    for c in made:
        c.chats.close()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([0-9a-f]+)"', html).group(1)


def write_run(store, records: list[dict], status: str = "done") -> int:
    """A job row whose run folder holds `records` as logging.jsonl (written by the test, as a run writes it)."""
    job_id = store.table.insert("t", "sft", ["sft", "--model", "m"], status)
    run = store.root / "jobs" / str(job_id) / "output" / "v0-20260101-000000"
    run.mkdir(parents=True)
    (run / "logging.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    store.table.update(job_id, job_dir=str(run.parents[1]), started=time.time() - 5, ended=time.time(),
                       exit_code=0 if status == "done" else 130)
    return job_id


class WebUI:
    """A real `swift web-ui` process (own session), its address and printed first line."""

    def __init__(self, home: Path, *args: str, port: int = 0):
        self.home = home
        env = {**os.environ, "YICHUI_HOME": str(home), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "swift_cli", "web-ui", "--server_port", str(port),
                                      "--lang", "en", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env, start_new_session=True)
        self.line = self.proc.stdout.readline().strip()
        m = re.search(r"http://([^/]+):(\d+)(/\S*)", self.line)
        assert m, self.line + (self.proc.stdout.read() if self.proc.poll() is not None else "")
        self.port = int(m.group(2))
        self.url = f"http://127.0.0.1:{self.port}"
        token = re.search(r"token=([\w-]+)", self.line)
        self.token = token.group(1) if token else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
