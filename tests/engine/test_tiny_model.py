"""The offline tiny model: loadable, ChatML template, exact round-trips, deterministic, atomic."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from swift_cli.engine.tiny_model import (
    CHAT_TEMPLATE,
    DEFAULT_SYSTEM_PROMPT,
    QWEN2_PRETOKENIZE_REGEX,
    build_tiny_model,
)

EN_TEXT = "Hello, world! Who are you?  I'm fine.\n\tdef f(x): return x ** 2  # 3.14 $5 100%"
ZH_TEXT = "你好，我是一个人工智能助手。“引号”……《书名》（括号）12345 混合 mixed text！"
ODD_TEXT = "émoji 🤖 tabs\t\tand\r\nnewlines  trailing   "


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny")
    return {
        "qwen2": build_tiny_model(root / "qwen2"),
        "qwen2_again": build_tiny_model(root / "qwen2_again"),
        "qwen2_seed1": build_tiny_model(root / "qwen2_seed1", seed=1),
        "llama": build_tiny_model(root / "llama", arch="llama"),
    }


def test_import_is_cheap():
    code = ("import sys, swift_cli.engine.tiny_model, swift_cli.resources; "
            "print(any(m in sys.modules for m in ('torch', 'transformers', 'tokenizers')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("arch", ["qwen2", "llama"])
def test_loads_and_generates(built, arch):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = built[arch]
    assert {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json"} <= {
        p.name for p in path.iterdir()}
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    assert model.config.model_type == arch
    assert model.config.vocab_size == len(tok)
    assert 2000 <= len(tok) <= 4096
    assert model.config.num_key_value_heads < model.config.num_attention_heads  # GQA
    assert 0.5e6 < model.num_parameters() < 5e6

    ids = tok.apply_chat_template([{"role": "user", "content": "who are you?"}],
                                  add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=5, do_sample=False)
    assert out.shape[1] > ids["input_ids"].shape[1]


@pytest.mark.parametrize("arch", ["qwen2", "llama"])
def test_special_ids(built, arch):
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    path = built[arch]
    tok = AutoTokenizer.from_pretrained(path)
    eot, im_start, im_end = tok.convert_tokens_to_ids(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    assert (eot, im_start, im_end) == (0, 1, 2)
    assert tok.eos_token == "<|im_end|>" and tok.eos_token_id == im_end
    assert tok.pad_token == "<|endoftext|>" and tok.pad_token_id == eot
    assert tok.bos_token is None
    cfg = AutoConfig.from_pretrained(path)
    assert (cfg.bos_token_id, cfg.eos_token_id, cfg.pad_token_id) == (eot, im_end, eot)
    gen = GenerationConfig.from_pretrained(path)
    assert gen.eos_token_id == im_end and gen.pad_token_id == eot
    # specials are atomic tokens
    assert tok.encode("<|im_start|>user\nhi<|im_end|>")[0] == im_start
    assert tok.encode("<|im_start|>user\nhi<|im_end|>")[-1] == im_end


def test_chat_template(built):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(built["qwen2"])
    assert "{% generation" not in tok.chat_template and "endgeneration" not in tok.chat_template
    assert tok.chat_template == CHAT_TEMPLATE
    msgs = [{"role": "user", "content": "你是谁？"}, {"role": "assistant", "content": "I am X."}]
    text = tok.apply_chat_template(msgs, tokenize=False)
    assert text == (f"<|im_start|>system\n{DEFAULT_SYSTEM_PROMPT}<|im_end|>\n"
                    "<|im_start|>user\n你是谁？<|im_end|>\n<|im_start|>assistant\nI am X.<|im_end|>\n")
    with_sys = [{"role": "system", "content": "Be brief."}, msgs[0]]
    text = tok.apply_chat_template(with_sys, tokenize=False, add_generation_prompt=True)
    assert text == ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n你是谁？<|im_end|>\n"
                    "<|im_start|>assistant\n")
    assert text.endswith("<|im_start|>assistant\n")
    assert DEFAULT_SYSTEM_PROMPT not in text


@pytest.mark.parametrize("arch", ["qwen2", "llama"])
@pytest.mark.parametrize("text", [EN_TEXT, ZH_TEXT, ODD_TEXT])
def test_round_trip(built, arch, text):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(built[arch])
    ids = tok.encode(text, add_special_tokens=False)
    assert tok.decode(ids) == text
    assert len(ids) < len(text.encode("utf-8"))  # merges were learned


def test_tokenizer_json_matches_qwen2_layout(built):
    from transformers import AutoTokenizer

    data = json.loads((built["qwen2"] / "tokenizer.json").read_text(encoding="utf-8"))
    pre = data["pre_tokenizer"]["pretokenizers"]
    assert pre[0]["type"] == "Split" and pre[0]["pattern"]["Regex"] == QWEN2_PRETOKENIZE_REGEX
    assert pre[1] == {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                      "use_regex": False}
    assert data["decoder"]["type"] == "ByteLevel"
    # AutoTokenizer may rebuild the pipeline (Qwen2Tokenizer for a qwen2 config): ids must not change
    from tokenizers import Tokenizer
    raw = Tokenizer.from_file(str(built["qwen2"] / "tokenizer.json"))
    tok = AutoTokenizer.from_pretrained(built["qwen2"])
    for text in (EN_TEXT, ZH_TEXT, ODD_TEXT):
        assert raw.encode(text, add_special_tokens=False).ids == tok.encode(text, add_special_tokens=False)


def test_deterministic(built):
    a, b, c, ll = built["qwen2"], built["qwen2_again"], built["qwen2_seed1"], built["llama"]
    assert _sha(a / "model.safetensors") == _sha(b / "model.safetensors")
    assert _sha(a / "tokenizer.json") == _sha(b / "tokenizer.json")
    assert _sha(a / "model.safetensors") != _sha(c / "model.safetensors")
    assert _sha(a / "tokenizer.json") == _sha(c / "tokenizer.json") == _sha(ll / "tokenizer.json")


def test_no_leftovers_and_overwrite(built, tmp_path):
    assert sorted(p.name for p in built["qwen2"].parent.iterdir()) == sorted(
        ["qwen2", "qwen2_again", "qwen2_seed1", "llama"])
    out = tmp_path / "m"
    build_tiny_model(out, num_layers=1)
    with pytest.raises(FileExistsError):
        build_tiny_model(out, num_layers=1)
    build_tiny_model(out, num_layers=1, seed=3, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["m"]
    (tmp_path / "empty").mkdir()
    build_tiny_model(tmp_path / "empty", num_layers=1)  # an empty dir may be filled
    assert (tmp_path / "empty" / "model.safetensors").is_file()
    with pytest.raises(ValueError):
        build_tiny_model(tmp_path / "x", arch="gpt2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "m"]


def test_global_rng_untouched(tmp_path):
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_tiny_model(tmp_path / "m", num_layers=1)
    assert torch.equal(torch.rand(3), expected)
