"""swift quantize (4-bit and 8-bit on CPU, save + reload + infer), gptq without CUDA, bad input, offline push."""
from __future__ import annotations

import json

from tests.conftest import swift
from tests.export.conftest import report


def test_hqq_4bit_saves_reloads_and_serves_swift_infer(merged, tmp_path):
    out = tmp_path / "hqq4"
    proc = swift("quantize", "--model", merged[0], "--quant_method", "hqq", "--quant_bits", "4", "--output_dir", out,
                 "--verify_prompts", "6")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = report(out)
    assert r["verified"] is True and r["quant_bits"] == 4 and r["size_ratio_vs_fp32"] < 0.9
    assert 0.8 < r["ppl_ratio"] < 1.6
    assert json.loads((out / "yichui_quant.json").read_text())["method"] == "hqq"
    infer = swift("infer", "--model", out, "--query", "who are you?", "--max_new_tokens", "8")
    assert infer.returncode == 0 and infer.stdout.strip(), infer.stderr[-1000:]


def test_torchao_8bit_through_export_spelling_reloads_with_transformers(export_ckpt, tmp_path):
    from transformers import AutoModelForCausalLM

    out = tmp_path / "ao8"
    proc = swift("export", "--adapters", export_ckpt, "--quant_method", "torchao", "--quant_bits", "8",
                 "--output_dir", out, "--verify_prompts", "6")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = report(out)
    assert r["verified"] is True and r["greedy_agreement"] >= 0.5 and 0.98 < r["ppl_ratio"] < 1.02
    model = AutoModelForCausalLM.from_pretrained(out)  # the documented reader for torchao folders
    assert model.config.quantization_config.quant_method == "torchao"
    assert not list(tmp_path.glob(".merged-scratch-*"))


def test_gptq_without_cuda_is_one_line_exit_3(merged, tmp_path):
    proc = swift("export", "--model", merged[0], "--quant_method", "gptq", "--quant_bits", "4", "--dataset",
                 "self-cognition#8", "--output_dir", tmp_path / "g")
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "CUDA" in lines[0] and "gptq" in lines[0]
    assert not (tmp_path / "g").exists()


def test_bad_input_exits_2_with_one_line_and_no_half_written_folder(merged, tmp_path):
    missing = swift("export", "--adapters", tmp_path / "nope", "--merge_lora", "true")
    assert missing.returncode == 2 and "--adapters" in missing.stderr and "Traceback" not in missing.stderr
    unknown = swift("export", "--model", merged[0], "--to", "safetensorz")
    assert unknown.returncode == 2 and "--to" in unknown.stderr
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    exists = swift("export", "--model", merged[0], "--to", "gguf", "--output_dir", taken)
    assert exists.returncode == 2 and "--exist_ok" in exists.stderr
    assert [p.name for p in taken.iterdir()] == ["keep.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]  # no temp folders left beside it
    nothing = swift("export", "--model", merged[0])
    assert nothing.returncode == 2 and "nothing to do" in nothing.stderr


def test_push_offline_is_one_line_exit_4_and_never_prints_the_token(merged):
    secret = "hf_ThisIsNotARealToken123"
    proc = swift("export", "--model", merged[0], "--push_to_hub", "true", "--hub_model_id", "me/tiny", "--use_hf",
                 "true", env={"HF_TOKEN": secret, "HF_ENDPOINT": "http://127.0.0.1:9"})
    assert proc.returncode == 4, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Hugging Face" in proc.stderr
    assert secret not in proc.stdout + proc.stderr
