"""Start `swift deploy` as a real subprocess on a free port (--port 0) and wait until /health answers."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

try:  # the official client's HTTP library: httpx, or its successor httpx2 (what openai>=3 uses)
    import httpx
except ImportError:
    import httpx2 as httpx

REPO = Path(__file__).resolve().parents[1]


def start_deploy(args: list, log: Path, wait_s: float = 300) -> SimpleNamespace:
    """`swift deploy ARGS --port 0`; the port is read from its first line. Fails the test if it never comes up."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("YICHUI_DEBUG", None)
    with log.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "swift_cli", "deploy", *map(str, args), "--port", "0"],
                                cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
    url, deadline = None, time.time() + wait_s
    while time.time() < deadline and proc.poll() is None:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/v1", log.read_text())
        if found:
            url = f"http://127.0.0.1:{found.group(1)}"
            try:
                if httpx.get(url + "/health", timeout=5).status_code == 200:
                    return SimpleNamespace(proc=proc, url=url, log=log)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    proc.kill()
    pytest.fail(f"server did not come up:\n{log.read_text()[-3000:]}")


def stop(server: SimpleNamespace) -> None:
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait()
