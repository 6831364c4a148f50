"""A model whose GGUF conversion really fails (the tiny model with its byte-level BPE tokenizer marked
byte_fallback: transformers still loads it, our GGUF writer refuses it after loading the model): the automatic
choice falls back to pt and answers; the failure is recorded once in <content hash>.failed and not converted
again; an explicit --infer_backend llamacpp is refused in one line naming the marker (deleting it retries).
(conftest pins pt through YICHUI_INFER_BACKEND; here it is cleared, as in test_auto_backend.py.)"""
from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import swift

FALLBACK = "note: llama.cpp cannot run this model"


@pytest.fixture(scope="module")
def unconvertible(tiny_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("unconvertible") / "tiny-byte-fallback"
    shutil.copytree(tiny_model, folder)
    tok = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    tok["model"]["byte_fallback"] = True
    (folder / "tokenizer.json").write_text(json.dumps(tok), encoding="utf-8")
    return folder


def notes(stderr: str, start: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(start)]


def test_failed_conversion_is_recorded_once_then_pt_or_a_one_line_refusal(unconvertible, tmp_path):
    env = {"YICHUI_INFER_BACKEND": "", "YICHUI_HOME": str(tmp_path / "home")}
    args = ["infer", "--model", unconvertible, "--torch_dtype", "float32", "--max_new_tokens", "6",
            "--query", "who are you?"]
    first = swift(*args, env=env)
    assert first.returncode == 0 and first.stdout.strip(), first.stderr[-2000:]
    assert "note: converting" in first.stderr  # it really tried
    cache = tmp_path / "home" / "gguf"
    (marker,) = cache.glob("*.failed")
    assert sorted(p.name for p in cache.iterdir()) == [marker.name]  # no half-written GGUF or .tmp folder left
    record = json.loads(marker.read_text(encoding="utf-8"))
    assert record["exit"] == 2 and "byte_fallback" in record["error"] and "\n" not in record["error"]
    (note,) = notes(first.stderr, FALLBACK)
    assert str(marker) in note and "byte_fallback" in note and note.endswith("using --infer_backend pt")

    stamp = marker.stat().st_mtime_ns
    second = swift(*args, env=env)
    assert second.returncode == 0 and second.stdout == first.stdout, second.stderr[-2000:]
    assert "converting" not in second.stderr and "loading the source model" not in second.stderr
    (note,) = notes(second.stderr, FALLBACK)
    assert "failed before (exit 2:" in note and str(marker) in note and "delete it" in note
    assert marker.stat().st_mtime_ns == stamp

    given = swift(*args, "--infer_backend", "llamacpp", env=env)
    assert given.returncode == 2 and given.stdout == "" and "Traceback" not in given.stderr
    assert "converting" not in given.stderr
    (line,) = given.stderr.strip().splitlines()
    assert line.startswith("error: --model ") and str(marker) in line and "--infer_backend pt" in line
