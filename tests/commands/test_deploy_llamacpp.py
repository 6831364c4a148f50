"""`swift deploy --infer_backend llamacpp`: the tiny model exported by our own GGUF export (f32), served by
llama-cpp-python behind our OpenAI server, driven by the official `openai` client (real engine, real HTTP)."""
from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai
import pytest

try:
    import httpx
except ImportError:
    import httpx2 as httpx

from tests.conftest import swift
from tests.serving import start_deploy, stop

KEY = "sk-test-llamacpp-key"
Q = [{"role": "user", "content": "who are you?"}]


@pytest.fixture(scope="module")
def gguf_file(tiny_model, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gguf") / "out"
    proc = swift("export", "--model", tiny_model, "--to", "gguf", "--gguf_type", "f32", "--output_dir", out,
                 "--verify_prompts", "2", "--verify_tokens", "4")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return next(out.glob("*.gguf"))


@pytest.fixture(scope="module")
def server(gguf_file, tmp_path_factory):
    log = tmp_path_factory.mktemp("deploy_llamacpp") / "server.log"
    srv = start_deploy(["--model", gguf_file, "--infer_backend", "llamacpp", "--served_model_name", "tiny",
                        "--api_key", KEY, "--max_model_len", "512", "--max_new_tokens", "24"], log)
    yield srv
    stop(srv)


def client(server, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key=key, max_retries=0, timeout=300)


def ask(server, messages=Q, **kw):
    return client(server).chat.completions.create(model="tiny", messages=messages, temperature=0, **kw)


def streamed(server, messages=Q, **kw) -> tuple[str, str]:
    parts, finish = [], None
    for chunk in client(server).chat.completions.create(model="tiny", messages=messages, temperature=0,
                                                         stream=True, **kw):
        for choice in chunk.choices:
            parts.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
    return "".join(parts), finish


def test_health_models_and_backend_line(server):
    assert httpx.get(server.url + "/health").json() == {"status": "ok"}
    assert [m.id for m in client(server).models.list()] == ["tiny"]
    assert "llamacpp backend on cpu, llama.cpp" in server.log.read_text()


def test_plain_answer_usage_and_length(server):
    r = ask(server, max_tokens=12)
    assert r.object == "chat.completion" and r.choices[0].message.role == "assistant"
    assert r.usage.prompt_tokens > 5 and 1 <= r.usage.completion_tokens <= 12
    assert not r.choices[0].message.content.endswith("\ufffd")  # cut at a character boundary
    r = ask(server, max_tokens=3)
    assert r.choices[0].finish_reason == "length" and r.usage.completion_tokens == 3


def test_streamed_chunks_equal_the_greedy_answer(server):
    whole = ask(server, max_tokens=20).choices[0]
    assert streamed(server, max_tokens=20, stream_options={"include_usage": True}) == (
        whole.message.content, whole.finish_reason)
    c = client(server)
    plain = c.completions.create(model="tiny", prompt="Hello", max_tokens=10, temperature=0).choices[0].text
    parts = [ch.choices[0].text for ch in c.completions.create(model="tiny", prompt="Hello", max_tokens=10,
                                                                temperature=0, stream=True) if ch.choices]
    assert "".join(parts) == plain and not plain.endswith("\ufffd")


def test_n_and_stop(server):
    r = ask(server, n=2, max_tokens=10)
    assert [c.index for c in r.choices] == [0, 1] and r.choices[0].message.content == r.choices[1].message.content
    full = ask(server, max_tokens=16).choices[0].message.content
    stop_at = next(ch for ch in full[len(full) // 2:] if not ch.isspace() and ch != "\ufffd")
    cut = ask(server, max_tokens=16, stop=[stop_at]).choices[0]
    assert cut.message.content == full[:full.index(stop_at)] and cut.finish_reason == "stop"
    assert streamed(server, max_tokens=16, stop=stop_at) == (cut.message.content, "stop")


@pytest.mark.parametrize("params", [{"temperature": -1}, {"max_tokens": 0}, {"n": 0}, {"messages": []}])
def test_bad_params_are_400(server, params):
    with pytest.raises(openai.BadRequestError) as err:
        client(server).chat.completions.create(**{"model": "tiny", "messages": Q, **params})
    assert err.value.body["type"] == "invalid_request_error" and err.value.body["param"]


def test_unknown_model_404_bad_key_401_over_context_400(server):
    with pytest.raises(openai.NotFoundError):
        client(server).chat.completions.create(model="nope", messages=Q)
    with pytest.raises(openai.AuthenticationError):
        client(server, "wrong").models.list()
    with pytest.raises(openai.BadRequestError) as err:
        ask(server, messages=[{"role": "user", "content": "hello " * 600}])
    assert err.value.body["code"] == "context_length_exceeded"


def test_concurrent_requests_equal_single_answers(server):
    prompts = ["who are you?", "Tell me about the sea in winter.", "你是谁？"]
    single = {p: ask(server, [{"role": "user", "content": p}]).choices[0].message.content for p in prompts}
    jobs = [prompts[i % 3] for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda p: ask(server, [{"role": "user", "content": p}]), jobs))
    assert [a.choices[0].message.content for a in answers] == [single[p] for p in jobs]
    assert not any(a.endswith("\ufffd") for a in single.values())


def test_swift_infer_llamacpp_answers_as_the_server(server, gguf_file):
    served = ask(server, max_tokens=16).choices[0].message.content
    proc = swift("infer", "--model", gguf_file, "--infer_backend", "llamacpp", "--query", Q[0]["content"],
                 "--max_new_tokens", "16")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == served + "\n"


def test_sigterm_exits_0(server):
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=60) == 0
    assert "Traceback" not in server.log.read_text()


def test_hf_folder_and_adapter_convert_once_then_reuse_the_cache(tiny_model, sft_adapter, tmp_path, monkeypatch):
    monkeypatch.setenv("YICHUI_HOME", str(tmp_path / "home"))
    args = ["--model", tiny_model, "--adapters", f"yichui={sft_adapter}", "--infer_backend", "llamacpp",
            "--torch_dtype", "float32", "--max_new_tokens", "12"]
    answers = []
    for run in range(2):
        srv = start_deploy(args, tmp_path / f"server{run}.log")
        try:
            assert [m.id for m in client(srv).models.list()] == ["yichui"]
            answers.append(client(srv).chat.completions.create(model="yichui", messages=Q, temperature=0)
                           .choices[0].message.content)
        finally:
            stop(srv)
    first, second = (tmp_path / "server0.log").read_text(), (tmp_path / "server1.log").read_text()
    assert "converting" in first and "cached GGUF" in second and "converting" not in second
    assert len(list((tmp_path / "home" / "gguf").glob("*/*-f32.gguf"))) == 1
    assert answers[0] == answers[1]


def test_two_adapters_are_one_line_exit_2(tiny_model, sft_adapter):
    proc = swift("deploy", "--model", tiny_model, "--adapters", f"a={sft_adapter}", f"b={sft_adapter}",
                 "--infer_backend", "llamacpp", "--port", "0")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "merges one adapter" in proc.stderr
