"""The real model through `swift infer` and `swift deploy` (official openai client over real HTTP), base and adapter."""
from __future__ import annotations

import openai
import pytest

from tests.conftest import swift
from tests.real.conftest import NAME
from tests.serving import start_deploy, stop

KEY = "sk-real-lane"


def test_infer_query_prints_only_the_answer(real_model):
    proc = swift("infer", "--model", real_model, "--query", "What is the capital of France?", "--max_new_tokens", "24")
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and "Paris" in lines[0]
    # the engines' import-time noise stays off the screen (torchao's CUDA kernels, torch's pytree notice)
    for noise in ("Failed to load", "_C_mxfp8", "_pytree", "register_constant", "Warning"):
        assert noise not in proc.stderr, proc.stderr[-2000:]


@pytest.fixture(scope="module")
def server(real_model, real_adapter, tmp_path_factory):
    srv = start_deploy(["--model", real_model, "--adapters", f"tuned={real_adapter}", "--api_key", KEY,
                        "--merge_lora", "false", "--served_model_name", "smol", "--max_new_tokens", "40"],
                       tmp_path_factory.mktemp("real_deploy") / "server.log")
    yield srv
    stop(srv)


def _client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key=KEY, max_retries=0, timeout=300)


def test_openai_client_on_the_base_model_and_its_adapter(server, real_adapter):
    c = _client(server)
    assert {m.id for m in c.models.list()} == {"smol", "tuned"}
    ask = [{"role": "user", "content": "who are you?"}]
    base = c.chat.completions.create(model="smol", messages=ask, temperature=0, max_tokens=40)
    tuned = c.chat.completions.create(model="tuned", messages=ask, temperature=0, max_tokens=40)
    assert NAME not in base.choices[0].message.content
    assert NAME in tuned.choices[0].message.content
    fact = c.chat.completions.create(model="smol", temperature=0, max_tokens=24,
                                     messages=[{"role": "user", "content": "What is the capital of France?"}])
    assert "Paris" in fact.choices[0].message.content and fact.usage.completion_tokens <= 24
    streamed = "".join(ch.choices[0].delta.content or "" for ch in c.chat.completions.create(
        model="tuned", messages=ask, temperature=0, max_tokens=40, stream=True) if ch.choices)
    assert streamed == tuned.choices[0].message.content
    # the adapter alone names its base (args.json): `swift infer --adapters` answers like the server
    infer = swift("infer", "--adapters", real_adapter, "--merge_lora", "false", "--query", "who are you?",
                  "--max_new_tokens", "40")
    assert infer.returncode == 0, infer.stderr[-2000:]
    assert infer.stdout == tuned.choices[0].message.content + "\n"
