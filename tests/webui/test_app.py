"""`swift app --model M`: the chat page alone, answering through our own deploy server (a `swift deploy` child on
a loopback port): the streamed answer is the one `swift infer` gives greedily; other pages are not served."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import psutil

from tests.conftest import REPO, swift
from tests.webui.conftest import csrf_of


def test_app_streams_the_same_answer_as_swift_infer(tiny_model, tmp_path):
    children = []
    env = {**os.environ, "YICHUI_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "swift_cli", "app", "--model", str(tiny_model), "--server_port",
                             "0", "--lang", "en"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, start_new_session=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"(http://[\d.]+:\d+)/chat", line).group(1)
        with httpx.Client(base_url=url, timeout=300) as c:
            page = c.get("/", follow_redirects=True)
            assert page.status_code == 200 and 'id="chat"' in page.text and "<nav>" not in page.text
            assert c.get("/new").status_code == 404 and c.get("/api/jobs").status_code == 404
            body = {"messages": [{"role": "user", "content": "who are you?"}], "temperature": 0, "max_tokens": 16}
            pieces = []
            with c.stream("POST", "/api/chat", json=body, headers={"X-CSRF-Token": csrf_of(page.text)}) as r:
                assert r.status_code == 200
                pieces = [p for p in r.iter_text() if p]
        answer = "".join(pieces)
        assert answer.strip() and "[error" not in answer, answer
        infer = swift("infer", "--model", tiny_model, "--query", "who are you?", "--max_new_tokens", "16",
                      "--temperature", "0")
        assert infer.returncode == 0 and answer.strip() in infer.stdout, (answer, infer.stdout)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any("deploy" in " ".join(c.cmdline()) for c in children)     # our own `swift deploy` answered
    finally:
        proc.terminate()
        proc.wait(30)
        proc.stdout.close()
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, alive                                   # stopping the UI stops the model server
    assert not list((tmp_path / "home").glob("jobs/*"))       # chatting submits no job


def test_app_with_base_url_chats_with_a_server_already_running(tiny_model, tmp_path):
    """ms-swift's examples/app/base_url/demo.sh: `swift app --base_url http://127.0.0.1:PORT/v1` starts no model
    server of its own (no deploy child), so the answer it streams comes from the running `swift deploy`."""
    from webui.chat import free_port

    env = {**os.environ, "YICHUI_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    port = free_port()
    deploy = subprocess.Popen([sys.executable, "-m", "swift_cli", "deploy", "--model", str(tiny_model), "--port",
                               str(port), "--served_model_name", "remote-tiny"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    app = None
    try:
        import time

        end = time.monotonic() + 300
        while time.monotonic() < end:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        app = subprocess.Popen([sys.executable, "-m", "swift_cli", "app", "--base_url", f"http://127.0.0.1:{port}/v1",
                                "--stream", "true", "--server_port", "0", "--lang", "en"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
        lines = []
        while not (found := re.search(r"(http://[\d.]+:\d+)/chat", lines[-1] if lines else "")):
            lines.append(app.stdout.readline())
            assert lines[-1], lines                                               # it exited: show why
        url = found.group(1)
        assert any("--stream" in line and "no effect" in line for line in lines)  # an inert flag says so
        with httpx.Client(base_url=url, timeout=300) as c:
            page = c.get("/", follow_redirects=True)
            body = {"messages": [{"role": "user", "content": "who are you?"}], "temperature": 0, "max_tokens": 8}
            with c.stream("POST", "/api/chat", json=body, headers={"X-CSRF-Token": csrf_of(page.text)}) as r:
                assert r.status_code == 200
                answer = "".join(p for p in r.iter_text() if p)
        assert answer.strip() and "[error" not in answer, answer
        kids = psutil.Process(app.pid).children(recursive=True)               # (the machine probe may run)
        assert not any("deploy" in " ".join(k.cmdline()) for k in kids)       # no model server of its own
    finally:
        for p in (app, deploy):
            if p is not None:
                p.terminate()
                p.wait(30)
        if app is not None:
            app.stdout.close()
