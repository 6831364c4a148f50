"""`swift deploy`: a real server on 127.0.0.1 driven by the official `openai` client; vLLM flag mapping."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai
import pytest

try:  # the official client's HTTP library: httpx, or its successor httpx2 (what openai>=3 uses)
    import httpx
except ImportError:
    import httpx2 as httpx

from tests.conftest import swift
from tests.serving import start_deploy, stop

KEY = "sk-test-deploy-key"
Q = [{"role": "user", "content": "who are you?"}]


@pytest.fixture(scope="module")
def adapter(sft_adapter) -> Path:
    """The shared session adapter (tests/conftest.py)."""
    return sft_adapter


@pytest.fixture(scope="module")
def server(tiny_model, adapter, tmp_path_factory):
    """`swift deploy` as a subprocess on a free port (--port 0; the port is read from its first line)."""
    log = tmp_path_factory.mktemp("deploy") / "server.log"
    srv = start_deploy(["--model", tiny_model, "--adapters", f"yichui={adapter}", "--api_key", KEY,
                        "--merge_lora", "false", "--max_model_len", "512", "--max_new_tokens", "24"], log)
    yield srv
    stop(srv)


def client(server, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key=key, max_retries=0, timeout=300)


def ask(server, model: str = "tiny", messages=Q, **kw):
    return client(server).chat.completions.create(model=model, messages=messages, temperature=0, **kw)


def streamed(server, model: str = "tiny", messages=Q, **kw) -> tuple[str, str]:
    parts, finish = [], None
    for chunk in client(server).chat.completions.create(model=model, messages=messages, temperature=0,
                                                         stream=True, **kw):
        for choice in chunk.choices:
            parts.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
    return "".join(parts), finish


def test_health_and_models(server):
    assert httpx.get(server.url + "/health").json() == {"status": "ok"}  # no key needed
    assert {m.id for m in client(server).models.list()} == {"tiny", "yichui"}


def test_plain_answer_with_usage(server):
    r = ask(server, max_tokens=12)
    assert r.object == "chat.completion" and r.model == "tiny"
    choice = r.choices[0]
    assert choice.message.role == "assistant" and choice.finish_reason in ("stop", "length")
    assert r.usage.prompt_tokens > 5 and 1 <= r.usage.completion_tokens <= 12
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    r = ask(server, max_tokens=3)
    assert r.choices[0].finish_reason == "length" and r.usage.completion_tokens == 3


@pytest.mark.parametrize("model", ["tiny", "yichui"])
def test_streamed_chunks_equal_the_greedy_answer(server, model):
    whole = ask(server, model, max_tokens=20).choices[0]
    text, finish = streamed(server, model, max_tokens=20, stream_options={"include_usage": True})
    assert text == whole.message.content and finish == whole.finish_reason
    c = client(server)
    plain = c.completions.create(model=model, prompt="Hello", max_tokens=10, temperature=0).choices[0].text
    parts = [ch.choices[0].text for ch in c.completions.create(model=model, prompt="Hello", max_tokens=10,
                                                                temperature=0, stream=True) if ch.choices]
    assert "".join(parts) == plain


def test_adapter_answers_differently_and_like_swift_infer(server, adapter):
    base = ask(server, "tiny").choices[0].message.content
    tuned = ask(server, "yichui").choices[0].message.content
    assert tuned != base
    infer = swift("infer", "--adapters", adapter, "--merge_lora", "false", "--query", "who are you?",
                  "--max_new_tokens", "24")
    assert infer.returncode == 0, infer.stderr
    assert infer.stdout == tuned + "\n"  # greedy parity with `swift infer`


def test_n_and_stop(server):
    r = ask(server, n=2, max_tokens=10)
    assert [c.index for c in r.choices] == [0, 1] and r.choices[0].message.content == r.choices[1].message.content
    full = ask(server, max_tokens=16).choices[0].message.content
    stop = next(ch for ch in full[len(full) // 2:] if ch != "\ufffd")  # a whole character from the middle
    cut = ask(server, max_tokens=16, stop=[stop]).choices[0]
    assert cut.message.content == full[:full.index(stop)] and cut.finish_reason == "stop"
    assert streamed(server, max_tokens=16, stop=stop) == (cut.message.content, "stop")


def test_bad_key_is_401(server):
    with pytest.raises(openai.AuthenticationError) as err:
        client(server, "wrong").models.list()
    assert err.value.status_code == 401 and err.value.body["code"] == "invalid_api_key"
    assert httpx.post(server.url + "/v1/chat/completions", json={}).status_code == 401  # no key at all


@pytest.mark.parametrize("params", [{"temperature": -1}, {"max_tokens": 0}, {"top_p": 2}, {"n": 0},
                                    {"stop": ["a", "b", "c", "d", "e"]}, {"seed": "x"}, {"messages": []},
                                    {"messages": [{"role": "robot", "content": "hi"}]}])
def test_bad_params_are_400(server, params):
    kw = {"model": "tiny", "messages": Q, **params}
    with pytest.raises(openai.BadRequestError) as err:
        client(server).chat.completions.create(**kw)
    assert err.value.status_code == 400 and err.value.body["type"] == "invalid_request_error"
    assert err.value.body["param"]


def test_unknown_model_is_404(server):
    with pytest.raises(openai.NotFoundError) as err:
        ask(server, "no-such-model")
    assert err.value.body["code"] == "model_not_found"


def test_prompt_over_context_is_400(server):
    with pytest.raises(openai.BadRequestError) as err:
        ask(server, messages=[{"role": "user", "content": "hello " * 600}])
    assert err.value.body["code"] == "context_length_exceeded"
    with pytest.raises(openai.BadRequestError):  # fits alone, not with the completion asked for
        ask(server, messages=[{"role": "user", "content": "hello " * 200}], max_tokens=500)


def test_malformed_json_is_400(server):
    auth = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    for raw in (b'{"model": "tiny",', b"[1, 2]", b"\xff\xfe"):
        r = httpx.post(server.url + "/v1/chat/completions", content=raw, headers=auth)
        assert r.status_code == 400, (raw, r.text)
        assert set(r.json()["error"]) == {"message", "type", "param", "code"}


def test_sixteen_concurrent_requests_equal_single_answers(server):
    prompts = [("tiny", "who are you?"), ("yichui", "who are you?"), ("tiny", "Tell me about the sea in winter."),
               ("yichui", "你是谁？")]
    single = {p: ask(server, p[0], [{"role": "user", "content": p[1]}]).choices[0].message.content for p in prompts}
    jobs = [prompts[i % 4] for i in range(16)]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda p: ask(server, p[0], [{"role": "user", "content": p[1]}]), jobs))
    assert [a.choices[0].message.content for a in answers] == [single[p] for p in jobs]


def test_still_serving_then_sigterm_exits_0(server):
    assert ask(server, max_tokens=4).choices[0].message.content is not None  # after every bad request above
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=60) == 0
    log = server.log.read_text()
    assert "Traceback" not in log and KEY not in log


def test_busy_port_is_one_line_exit_9(tiny_model):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        proc = swift("deploy", "--model", tiny_model, "--port", str(s.getsockname()[1]), timeout=120)
    assert proc.returncode == 9 and proc.stderr.count("\n") == 1 and "--port" in proc.stderr  # errors.PortInUse


# -- vllm backend -----------------------------------------------------------------------------------

def _cfg(*argv: str):
    from swift_cli.commands._common import parse
    from swift_cli.commands.deploy import DeployConfig

    return parse(DeployConfig, list(argv), "swift deploy", "")[1]


def test_vllm_flag_mapping():
    from swift_cli.engine.serve.vllm import vllm_command

    cfg = _cfg("--port", "9001", "--host", "0.0.0.0", "--gpu_memory_utilization", "0.5", "--tensor_parallel_size",
               "2", "--max_model_len", "4096", "--max_num_seqs", "32", "--vllm_enforce_eager", "true")
    cmd = vllm_command("/m/qwen", cfg.serve, served_name="qwen", adapters={"a": "/ck/a", "b": "/ck/b"},
                       lora_rank=24, dtype="bf16", executable="vllm")
    assert cmd[:3] == ["vllm", "serve", "/m/qwen"]
    flags = " ".join(cmd)
    for part in ("--host 0.0.0.0", "--port 9001", "--served-model-name qwen", "--gpu-memory-utilization 0.5",
                 "--tensor-parallel-size 2", "--max-model-len 4096", "--max-num-seqs 32", "--dtype bfloat16",
                 "--enforce-eager", "--enable-lora", "--max-loras 2", "--max-lora-rank 32",
                 "--lora-modules a=/ck/a b=/ck/b"):
        assert part in flags, part
    module = vllm_command("/m/qwen", _cfg().serve, served_name="qwen", executable=None, python="py")
    assert module[:5] == ["py", "-m", "vllm.entrypoints.openai.api_server", "--model", "/m/qwen"]
    assert "--enable-lora" not in module and "--max-model-len" not in module and "--dtype" not in module


def test_vllm_launch_with_a_stand_in_executable(tiny_model, adapter, tmp_path, monkeypatch):
    """A stand-in `vllm` script on PATH (not the real vLLM) records the argv and env it was started with."""
    from swift_cli.engine.serve.vllm import launch

    record = tmp_path / "argv.json"
    stand_in = tmp_path / "bin" / "vllm"
    stand_in.parent.mkdir()
    stand_in.write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                        f"json.dump({{'argv': sys.argv[1:], 'key': os.environ.get('VLLM_API_KEY')}}, "
                        f"open({str(record)!r}, 'w'))\n")
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{stand_in.parent}{os.pathsep}{os.environ['PATH']}")
    cfg = _cfg("--infer_backend", "vllm", "--adapters", f"yichui={adapter}", "--port", "8123", "--api_key", KEY)
    rc = launch(cfg, check=lambda: None, run=lambda cmd, env: subprocess.run(cmd, env=env).returncode)
    assert rc == 0
    got = json.loads(record.read_text())
    # the adapter also trains lm_head/embed_tokens (modules_to_save), which vLLM cannot load as an adapter: base
    # (from the adapter run's args.json) + adapter are merged once into a cached folder, served under its name
    merged = Path(got["argv"][1])
    assert got["argv"][0] == "serve" and merged.parent.name == "merged" and (merged / "model.safetensors").is_file()
    assert "--enable-lora" not in got["argv"] and got["argv"][got["argv"].index("--served-model-name") + 1] == "yichui"
    assert "8123" in got["argv"] and got["key"] == KEY and KEY not in got["argv"]
    # the merged weights are base + adapter: lm_head equals the adapter's trained copy, not the base's
    import torch
    from safetensors.torch import load_file

    head = load_file(merged / "model.safetensors")["lm_head.weight"]
    base = load_file(Path(tiny_model) / "model.safetensors")["lm_head.weight"]
    assert not torch.equal(head, base)
    rc = launch(cfg, check=lambda: None, run=lambda cmd, env: subprocess.run(cmd, env=env).returncode)
    assert rc == 0 and json.loads(record.read_text())["argv"][1] == str(merged)  # merged once, then cached


def test_vllm_missing_is_one_line_exit_3(tiny_model):
    import importlib.util

    import torch

    if importlib.util.find_spec("vllm") is not None and torch.cuda.is_available():
        pytest.skip("vllm and CUDA are both here")
    proc = swift("deploy", "--infer_backend", "vllm", "--model", tiny_model, timeout=120)
    assert proc.returncode == 3 and proc.stderr.count("\n") == 1
    assert "vllm" in proc.stderr and ("not installed" in proc.stderr or "CUDA" in proc.stderr)
