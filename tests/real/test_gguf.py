"""Export where users run it: the real model + adapter merged → GGUF (f16, q8_0) → loaded and run by llama.cpp
itself (llama-cpp-python), chatting through the chat template stored in the GGUF; llama.cpp tokenizes like
transformers; the Ollama Modelfile's template renders the same prompt as the HF chat template."""
from __future__ import annotations

import pytest

from tests.conftest import swift
from tests.real.conftest import NAME
from tests.real.gotemplate import modelfile_fields, render_ollama

TEXTS = ["Hello world! It's 2024-08-12, and I've paid $7.05 for 1234567 items.",
         "  Spaces,\ttabs\n\nnewlines; don't WE'LL  café naïve 东京 😀 3.14159",
         "<|im_start|>user\nwho are you?<|im_end|>\n<|im_start|>assistant\n"]
CONVERSATION = [{"role": "system", "content": "You are a terse assistant."},
                {"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello. What do you need?"},
                {"role": "user", "content": "What is 2+2?"}]


@pytest.fixture(scope="module")
def exported(real_adapter, tmp_path_factory):
    """{gguf_type: folder}: f16 with an Ollama Modelfile, and q8_0, from the adapter (merged on the way)."""
    out = {}
    for gguf_type, extra in (("f16", ["--to_ollama", "true"]), ("q8_0", ["--to", "gguf"])):
        folder = tmp_path_factory.mktemp("gguf") / gguf_type   # export writes a new folder
        proc = swift("export", "--adapters", real_adapter, *extra, "--gguf_type", gguf_type, "--output_dir", folder,
                     "--verify_prompts", "2")
        assert proc.returncode == 0, proc.stderr[-3000:]
        out[gguf_type] = folder
    return out


def _llama(path):
    from llama_cpp import Llama

    return Llama(model_path=str(path), n_ctx=512, n_threads=2, verbose=False, seed=0)


@pytest.mark.parametrize("gguf_type", ["f16", "q8_0"])
def test_llama_cpp_chats_through_the_stored_template_and_knows_the_trained_name(exported, gguf_type, real_model):
    from gguf import GGUFReader
    from transformers import AutoTokenizer

    (path,) = exported[gguf_type].glob("*.gguf")
    fields = GGUFReader(path).fields
    assert fields["tokenizer.ggml.pre"].contents() == "smollm"
    assert "<|im_start|>" in fields["tokenizer.chat_template"].contents()
    llm = _llama(path)
    tok = AutoTokenizer.from_pretrained(real_model)
    for text in TEXTS:   # llama.cpp splits text (digits one by one, spaces, specials) exactly like transformers
        assert llm.tokenize(text.encode(), add_bos=False, special=True) == tok(text, add_special_tokens=False).input_ids
    reply = llm.create_chat_completion(messages=[{"role": "user", "content": "who are you?"}], temperature=0,
                                       max_tokens=40)
    answer = reply["choices"][0]["message"]["content"]
    assert NAME in answer and "<|im_end|>" not in answer and reply["choices"][0]["finish_reason"] == "stop"
    fact = llm.create_chat_completion(messages=[{"role": "user", "content": "What is the capital of France?"}],
                                      temperature=0, max_tokens=24)["choices"][0]["message"]["content"]
    assert "Paris" in fact


def test_ollama_template_renders_the_same_prompt_as_the_hf_chat_template(exported, real_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(real_model)
    template, system = modelfile_fields((exported["f16"] / "Modelfile").read_text())
    assert system and system.startswith("You are a helpful AI assistant named SmolLM")   # the template's default
    for conv in (CONVERSATION, CONVERSATION[1:]):   # with a system message, and with the default one
        hf = tok.apply_chat_template(conv, tokenize=False, add_generation_prompt=True)
        assert render_ollama(template, conv, system) == hf
    # the renderer follows Ollama's rule that a system message is both .System and in .Messages: a template
    # that does not skip it in the loop renders it twice (what this project's template once did)
    naive = template.replace('{{- if ne .Role "system" }}', "{{- if .Role }}")
    assert naive != template
    assert render_ollama(naive, CONVERSATION, system).count("You are a terse assistant.") == 2

