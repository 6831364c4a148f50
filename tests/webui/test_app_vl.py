"""`swift app --model <tiny VL>`: the chat page sends a picked image as an OpenAI image_url part (a data URL) to our
own deploy server, and the streamed answer is the one `swift infer --images` gives greedily for the same image and
question. A URL or path instead of image bytes is refused in one line (the model server is never asked to open it)."""
from __future__ import annotations

import base64
import os
import random
import re
import subprocess
import sys

import httpx
import psutil
import pytest

from tests.conftest import REPO, swift
from tests.vl.shapes import draw
from tests.webui.conftest import csrf_of

QUESTION = "What colour is the shape?"


@pytest.fixture(scope="module")
def tiny_vl_model(tmp_path_factory):
    """The tiny Qwen2-VL of tests/vl (`swift tiny-model --arch qwen2_vl`), built in-process."""
    from swift_cli.engine.tiny_vl_model import build_tiny_vl_model

    return build_tiny_vl_model(tmp_path_factory.mktemp("models") / "tiny-vl")


def test_app_chat_sends_an_image_to_a_vision_language_model(tiny_vl_model, tmp_path):
    image = tmp_path / "shape.png"
    draw(random.Random(3))[0].save(image)
    data = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
    env = {**os.environ, "YICHUI_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "swift_cli", "app", "--model", str(tiny_vl_model),
                             "--server_port", "0", "--lang", "en"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env, start_new_session=True)
    try:
        url = re.search(r"(http://[\d.]+:\d+)/chat", proc.stdout.readline()).group(1)
        with httpx.Client(base_url=url, timeout=300) as c:
            page = c.get("/", follow_redirects=True)
            assert 'id="chat-image"' in page.text and 'type="file"' in page.text
            h = {"X-CSRF-Token": csrf_of(page.text)}
            for bad in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", "data:text/html;base64,PGI+"):
                r = c.post("/api/chat", headers=h, json={"messages": [{"role": "user", "content": [
                    {"type": "text", "text": QUESTION}, {"type": "image_url", "image_url": {"url": bad}}]}]})
                assert r.status_code == 400 and "data URL" in r.json()["error"] and "\n" not in r.json()["error"]
            body = {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": data}},
                                                             {"type": "text", "text": QUESTION}]}],
                    "temperature": 0, "max_tokens": 8}
            with c.stream("POST", "/api/chat", json=body, headers=h) as r:
                assert r.status_code == 200
                answer = "".join(p for p in r.iter_text() if p)
        assert answer.strip() and "[error" not in answer, answer
        infer = swift("infer", "--model", tiny_vl_model, "--images", image, "--query", QUESTION,
                      "--max_new_tokens", "8", "--temperature", "0")
        assert infer.returncode == 0 and answer.strip() in infer.stdout, (answer, infer.stdout, infer.stderr[-800:])
    finally:
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.terminate()
        proc.wait(30)
        proc.stdout.close()
        psutil.wait_procs(children, timeout=30)
