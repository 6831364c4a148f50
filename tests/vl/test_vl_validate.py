"""`swift validate-dataset` on image-text rows: every kind of broken row named by its line, before any training;
good rows with relative paths, absolute paths, base64 data URIs and http URLs (a real local HTTP server) pass."""
from __future__ import annotations

import base64
import functools
import http.server
import io
import json
import random
import threading

import pytest

from tests.conftest import swift
from tests.vl.shapes import draw


@pytest.fixture
def http_images(tmp_path):
    """A real HTTP server on 127.0.0.1 serving tmp_path/www (stands in for the internet, which tests cannot use)."""
    www = tmp_path / "www"
    www.mkdir()
    draw(random.Random(5), size=56)[0].save(www / "remote.png")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _png(size: int, seed: int) -> bytes:
    buf = io.BytesIO()
    draw(random.Random(seed), size=size)[0].save(buf, format="PNG")
    return buf.getvalue()


def test_every_broken_row_is_named(tiny_vl_model, tmp_path, http_images, monkeypatch):
    monkeypatch.setenv("YICHUI_HOME", str(tmp_path / "home"))  # the URL cache stays in the test's folder
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "small.png").write_bytes(_png(56, 1))
    (tmp_path / "img" / "big.png").write_bytes(_png(112, 2))
    (tmp_path / "img" / "broken.png").write_bytes(b"\x89PNG not really")
    uri = "data:image/png;base64," + base64.b64encode(_png(56, 3)).decode()

    def row(content, images):
        return {"messages": [{"role": "user", "content": content}, {"role": "assistant", "content": "red"}],
                "images": images}

    rows = [
        row("<image>What colour?", ["img/small.png"]),  # 1 good: relative to the file
        row("<image><image>What colour?", ["img/small.png"]),  # 2 two tags, one image
        row("<image>What colour?", ["img/missing.png"]),  # 3 no such file
        row("<image>What colour?", ["img/broken.png"]),  # 4 not an image
        row("<image><image><image>Colours?", ["img/big.png"] * 3),  # 5 48 image tokens > --max_length
        row("<image>What colour?", [uri]),  # 6 good: base64 data URI
        row("<image>What colour?", [f"{http_images}/remote.png"]),  # 7 good: http URL
        row("<image>What colour?", [f"{http_images}/gone.png"]),  # 8 HTTP 404
        row("<image>What colour?", ["data:image/png;base64,AAAA"]),  # 9 undecodable base64
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": str(tmp_path / "img" /
                                                                                          "small.png")}},
                                                   {"type": "text", "text": "Colour?"}]},
                      {"role": "assistant", "content": "red"}]},  # 10 good: OpenAI parts, absolute path
    ]
    data = tmp_path / "vqa.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n")  # 11 bad JSON
    proc = swift("validate-dataset", data, "--model", tiny_vl_model, "--max_length", "50",
                 env={"YICHUI_HOME": str(tmp_path / "home")})
    assert proc.returncode == 2, proc.stderr
    out = proc.stdout
    expect = {2: "2 <image> tag(s) but 1 image(s)", 3: "no such file", 4: "unreadable", 5: "image tokens would be cut",
              8: "HTTP 404", 9: "unreadable", 11: "not valid JSON"}
    for line, problem in expect.items():
        hits = [x for x in out.splitlines() if x.startswith(f"{data}:{line}:")]
        assert len(hits) == 1 and problem in hits[0], (line, out)
    for good in (1, 6, 7, 10):
        assert f"{data}:{good}:" not in out, out
    assert f"{data}: 4 good rows, 7 bad" in out
    assert "Traceback" not in proc.stderr and proc.stderr.strip().splitlines()[-1] == "error: 7 bad row(s) in 1 file(s)"


def test_sft_refuses_bad_image_rows_before_training(tiny_vl_model, tmp_path):
    """The pre-run check: bad image rows listed by line, exit 2, no run folder; all parts frozen refused too."""
    (tmp_path / "a.png").write_bytes(_png(56, 1))
    rows = [{"messages": [{"role": "user", "content": "<image>Colour?"}, {"role": "assistant", "content": "red"}],
             "images": ["a.png"]},
            {"messages": [{"role": "user", "content": "Colour?"}, {"role": "assistant", "content": "red"}],
             "images": ["a.png"]}]
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    proc = swift("sft", "--model", tiny_vl_model, "--dataset", data, "--output_dir", out)
    assert proc.returncode == 2 and f"{data}:2: 0 <image> tag(s) but 1 image(s)" in proc.stderr, proc.stderr
    frozen = swift("sft", "--model", tiny_vl_model, "--dataset", data, "--freeze_llm", "true", "--output_dir", out)
    assert frozen.returncode == 2 and "nothing left to train" in frozen.stderr
    assert not out.exists()
