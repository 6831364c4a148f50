"""Every artifact server a test's job store started (detached, like a job) is stopped after the test."""
from __future__ import annotations

import os
import signal

import pytest


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
