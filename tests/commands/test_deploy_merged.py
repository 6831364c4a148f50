"""pt backend speed paths: one adapter merged at load, concurrent requests decoded in shared batches that never
exceed --max_batch_size, and greedy answers identical to the same request run alone."""
from __future__ import annotations

import re
import signal
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest

from swift_cli.engine.generate import should_merge
from swift_cli.errors import UsageError
from tests.conftest import swift
from tests.serving import start_deploy, stop

PROMPTS = ["who are you?", "Tell me about the sea in winter, in detail please.", "你是谁？", "2+2=?",
           "Write three words.", "What is the capital of France? Answer briefly and then explain why."]


def test_merge_policy():
    one, two = {"a": 1}, {"a": 1, "b": 2}
    assert should_merge(None, one) and not should_merge(None, two) and not should_merge(None, {})
    assert not should_merge(False, one) and should_merge(True, one)
    assert not should_merge(None, one, need_base=True)  # eval --eval_base scores the base too
    for bad in ((True, two, False), (True, one, True)):
        with pytest.raises(UsageError, match="--merge_lora true"):
            should_merge(*bad)


@pytest.fixture(scope="module")
def merged(tiny_model, sft_adapter, tmp_path_factory):
    log = tmp_path_factory.mktemp("merged") / "server.log"
    srv = start_deploy(["--model", tiny_model, "--adapters", f"yichui={sft_adapter}", "--max_batch_size", "4",
                        "--batch_wait_ms", "200", "--max_new_tokens", "24", "--max_model_len", "512"], log)
    yield srv
    stop(srv)


def ask(server, content: str):
    c = openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0, timeout=300)
    return c.chat.completions.create(model="yichui", messages=[{"role": "user", "content": content}],
                                     temperature=0).choices[0].message.content


def test_one_adapter_is_merged_and_answers_like_swift_infer(merged, sft_adapter):
    c = openai.OpenAI(base_url=merged.url + "/v1", api_key="x", max_retries=0)
    assert [m.id for m in c.models.list()] == ["yichui"]  # the bare base is not in the merged weights
    assert "merged into the weights" in merged.log.read_text()
    with pytest.raises(openai.NotFoundError):
        c.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}])
    infer = swift("infer", "--adapters", sft_adapter, "--query", PROMPTS[0], "--max_new_tokens", "24")
    assert infer.returncode == 0, infer.stderr[-2000:]
    assert "merged into the weights" in infer.stderr
    assert infer.stdout == ask(merged, PROMPTS[0]) + "\n"


def test_concurrent_greedy_equals_alone_and_batches_respect_max_batch_size(merged):
    alone = {p: ask(merged, p) for p in PROMPTS}  # one at a time: batches of one row
    jobs = PROMPTS * 2  # prompts of different lengths: left-padded in shared batches
    with ThreadPoolExecutor(len(jobs)) as pool:
        together = list(pool.map(lambda p: ask(merged, p), jobs))
    assert together == [alone[p] for p in jobs]
    merged.proc.send_signal(signal.SIGTERM)
    assert merged.proc.wait(timeout=60) == 0
    line = next(x for x in merged.log.read_text().splitlines() if x.startswith("server stopped"))
    rows, batches, largest = map(int, re.findall(r"\d+", line))
    assert rows == len(PROMPTS) + len(jobs) + 1  # + the merged-vs-infer question
    assert largest == 4 and batches < rows  # shared, and never more than --max_batch_size rows


def test_merge_lora_true_with_two_adapters_is_one_line_exit_2(tiny_model, sft_adapter):
    proc = swift("deploy", "--model", tiny_model, "--adapters", f"a={sft_adapter}", f"b={sft_adapter}",
                 "--merge_lora", "true", "--port", "0")
    assert proc.returncode == 2 and "--merge_lora true" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
