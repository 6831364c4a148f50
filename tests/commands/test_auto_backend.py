"""--infer_backend unset on this machine (no accelerator, llama-cpp-python installed): llama.cpp answers, with a
note; --infer_backend pt given is kept; models llama.cpp cannot run stay on pt. (conftest pins pt for the other
tests through YICHUI_INFER_BACKEND; here it is cleared.)"""
from __future__ import annotations

import json
from types import SimpleNamespace

from swift_cli.engine.serve.choose import why_not_llamacpp
from swift_cli.engine.serve.gguf_cache import SERVE_CHECK_PROMPTS
from tests.conftest import swift

NOTE = "llama.cpp runs the model"


def test_auto_picks_llamacpp_and_a_given_pt_is_kept(tiny_model, tmp_path):
    env = {"YICHUI_INFER_BACKEND": "", "YICHUI_HOME": str(tmp_path / "home")}
    args = ["--model", tiny_model, "--torch_dtype", "float32", "--max_new_tokens", "8"]
    auto = swift("infer", *args, "--query", "who are you?", env=env)
    assert auto.returncode == 0 and NOTE in auto.stderr, auto.stderr[-2000:]
    assert len(list((tmp_path / "home" / "gguf").glob("*/*-f32.gguf"))) == 1  # converted once, cached
    # the automatic conversion checks SERVE_CHECK_PROMPTS prompts (not export's 20) and says how many, twice
    record = json.loads(next((tmp_path / "home" / "gguf").glob("*/verification.json")).read_text())
    assert record["prompts"] == SERVE_CHECK_PROMPTS < 20 and record["verified"] is True
    checked = f"checked against the source on {SERVE_CHECK_PROMPTS} fixed prompts"
    assert f"the GGUF was {checked}" in auto.stderr, auto.stderr[-2000:]
    given = swift("infer", *args, "--query", "who are you?", "--infer_backend", "llamacpp", env=env)
    assert given.stdout == auto.stdout and NOTE not in given.stderr
    assert "cached GGUF" in given.stderr and checked in given.stderr and "converting" not in given.stderr
    pt = swift("infer", *args, "--query", "who are you?", "--infer_backend", "pt", env=env)
    assert pt.returncode == 0 and NOTE not in pt.stderr and "GGUF" not in pt.stderr
    # the chat (what the wizard's "chat with it" runs), piped: one answer line per message, as --query gives
    chat = swift("infer", *args, env=env, input="who are you?\n")
    assert chat.returncode == 0 and chat.stdout == auto.stdout, chat.stderr[-2000:]


def test_models_llamacpp_cannot_run_stay_on_pt(tmp_path):
    def reason(config: dict) -> str | None:
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps(config))
        return why_not_llamacpp(SimpleNamespace(model=str(folder), adapters=[], template=None, system=None,
                                                torch_dtype="auto"))

    assert reason({"model_type": "qwen2"}) is None
    assert "image-text" in reason({"model_type": "qwen2_vl", "vision_config": {}})
    assert "quantized" in reason({"model_type": "qwen2", "quantization_config": {"quant_method": "gptq"}})
    assert "supports" in reason({"model_type": "bert"})
    assert "not a local folder" in why_not_llamacpp(SimpleNamespace(model="org/name", adapters=[], template=None,
                                                                    system=None, torch_dtype="auto"))


def test_infer_with_vllm_is_refused_in_one_line_not_run_on_pt(tiny_model):
    """`swift infer --infer_backend vllm` used to answer on pt without a word (ms-swift's examples/infer/vllm lines)."""
    proc = swift("infer", "--model", tiny_model, "--infer_backend", "vllm", "--query", "hi", "--max_new_tokens", "2")
    assert proc.returncode == 3 and proc.stdout == "", proc.stderr[-1000:]
    assert proc.stderr.strip().splitlines()[-1].startswith("error: --infer_backend vllm: swift infer answers with pt")
