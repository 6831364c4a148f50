"""Planner: choices that fit, consistent flags, refusals with notes, fixed wishes kept."""
import json
import subprocess
import sys

import pytest

from hardware.plan import Plan, make_plan
from hardware.profiles import load_profile
from hardware.spec import ModelSpec

QWEN7 = ModelSpec.from_config({"model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944,
                               "num_hidden_layers": 28, "num_attention_heads": 28,
                               "num_key_value_heads": 4, "vocab_size": 152064,
                               "max_position_embeddings": 32768})
QWEN72 = ModelSpec.from_config({"model_type": "qwen2", "hidden_size": 8192, "intermediate_size": 29568,
                                "num_hidden_layers": 80, "num_attention_heads": 64,
                                "num_key_value_heads": 8, "vocab_size": 152064})
TINY = ModelSpec.from_config({"model_type": "qwen2", "hidden_size": 64, "intermediate_size": 176,
                              "num_hidden_layers": 2, "num_attention_heads": 4,
                              "num_key_value_heads": 2, "vocab_size": 2000})


def _any(notes, *words):
    return any(all(w.lower() in n.lower() for w in words) for n in notes)


def test_qlora_picked_for_7b_on_small_card():
    p = make_plan(QWEN7, load_profile("t4"), {"max_length": 1024})
    assert p.fits and p.train_type == "qlora"
    f = p.flags
    assert f["train_type"] == "lora" and f["quant_method"] == "bnb" and f["quant_bits"] == 4
    assert f["bnb_4bit_quant_type"] == "nf4" and f["bnb_4bit_use_double_quant"] is True
    assert f["torch_dtype"] == "float16" == f["bnb_4bit_compute_dtype"]   # T4 has no bf16
    assert _any(p.notes, "bfloat16")
    assert p.peak_bytes <= p.free_bytes


def test_full_when_it_fits_and_lora_on_a_24g_card():
    assert make_plan(TINY, load_profile("cpu"), {}).train_type == "full"
    p = make_plan(QWEN7, load_profile("rtx4090"), {"max_length": 2048})
    assert p.train_type == "lora" and p.fits and p.flags["torch_dtype"] == "bfloat16"
    assert _any(p.notes, "full fine-tuning does not fit")


def test_global_batch_split_and_zero_on_several_gpus():
    p = make_plan(QWEN7, load_profile("a100-80g:8"), {"train_type": "full", "max_length": 2048,
                                                      "global_batch_size": 64})
    f = p.flags
    assert p.fits and f["nproc_per_node"] == 8
    assert f["per_device_train_batch_size"] * f["gradient_accumulation_steps"] * 8 == 64
    assert f.get("deepspeed") in ("zero2", "zero3")     # DDP alone leaves < 5% headroom


def test_fixed_choice_that_does_not_fit_is_kept():
    p = make_plan(QWEN72, load_profile("a100-80g"), {"train_type": "full",
                                                     "per_device_train_batch_size": 2})
    assert not p.fits and p.flags["train_type"] == "full"
    assert p.flags["per_device_train_batch_size"] == 2
    assert _any(p.notes, "does not fit", "kept your")
    assert p.peak_bytes > p.free_bytes


def test_vllm_on_cpu_refused_with_alternative():
    p = make_plan(QWEN7, load_profile("cpu"), {"task": "infer", "infer_backend": "vllm"})
    assert p.flags["infer_backend"] == "pt"
    assert _any(p.notes, "refused", "vllm", "pt")


def test_deepspeed_on_mps_refused():
    p = make_plan(TINY, load_profile("m2-max"), {"deepspeed": "zero2"})
    assert "deepspeed" not in p.flags
    assert _any(p.notes, "refused", "deepspeed", "mps")


def test_gptq_base_means_lora_without_bnb_and_not_on_npu():
    cfg = {"model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944,
           "num_hidden_layers": 28, "num_attention_heads": 28, "num_key_value_heads": 4,
           "vocab_size": 152064, "quantization_config": {"quant_method": "gptq", "bits": 4}}
    spec = ModelSpec.from_config(cfg)
    p = make_plan(spec, load_profile("a10g"), {"train_type": "qlora", "max_length": 1024})
    assert p.train_type == "lora" and "quant_method" not in p.flags
    assert _any(p.notes, "refused", "gptq")
    assert p.breakdown["weights"] < QWEN7.params_total       # quantized base, not 16-bit
    npu = make_plan(spec, load_profile("ascend-910b"), {"max_length": 1024})
    assert _any(npu.notes, "refused", "gptq", "npu")


def test_cpu_plans_fp32_and_warns_about_bf16():
    p = make_plan(TINY, load_profile("cpu"), {"torch_dtype": "bfloat16"})
    assert p.flags["torch_dtype"] == "float32"
    assert _any(p.notes, "float32")


def test_bnb_refused_on_npu():
    p = make_plan(QWEN7, load_profile("ascend-910b"), {"train_type": "qlora", "max_length": 1024})
    assert p.train_type == "lora" and "quant_bits" not in p.flags
    assert _any(p.notes, "refused", "bitsandbytes")


def test_cpu_never_plans_qlora_because_swift_sft_refuses_it_there():
    # 7B does not fit LoRA in a CPU profile's RAM either; the planner must not fall back to QLoRA on CPU
    chosen = make_plan(QWEN7, load_profile("cpu"), {"max_length": 1024})
    assert chosen.train_type != "qlora" and "quant_method" not in chosen.flags
    forced = make_plan(TINY, load_profile("cpu"), {"train_type": "qlora"})
    assert forced.train_type == "lora" and _any(forced.notes, "refused", "qlora", "cuda")


def test_data_stats_set_max_length():
    p = make_plan(TINY, load_profile("cpu"), {}, data_stats={"max_len": 300, "num_rows": 10})
    assert p.flags["max_length"] == 320
    p2 = make_plan(TINY, load_profile("cpu"), {"max_length": 128}, data_stats={"max_len": 300})
    assert p2.flags["max_length"] == 128 and _any(p2.notes, "truncated")


def test_aliases_and_string_values():
    p = make_plan(QWEN7, load_profile("a100-80g"), {"--sft_type": "lora", "gradient-checkpointing": "false",
                                                    "per_device_train_batch_size": "2",
                                                    "max_length": "1024"})
    assert p.train_type == "lora" and p.flags["gradient_checkpointing"] is False
    assert p.flags["per_device_train_batch_size"] == 2


def test_plan_to_dict_is_json_safe_and_has_required_keys():
    p = make_plan(QWEN7, load_profile("rtx4090"), {"max_length": 1024})
    d = json.loads(json.dumps(p.to_dict()))
    for key in ("params_total", "params_trainable", "peak_bytes", "breakdown", "free_bytes",
                "fits", "flags", "notes"):
        assert key in d
    assert isinstance(p, Plan) and "train_type" in p.flags


def test_not_fitting_suggests_the_cheapest_profile_that_fits():
    p = make_plan(QWEN72, load_profile("rtx4090"), {"train_type": "lora", "max_length": 1024})
    assert not p.fits
    hint = next(n for n in p.notes if "--hardware" in n)
    name = hint.split("--hardware ")[1].split()[0]
    assert load_profile(name).device_total_bytes > load_profile("rtx4090").device_total_bytes


def test_report_renders():
    pytest.importorskip("rich")
    from rich.console import Console

    from hardware.report import render_plan
    p = make_plan(QWEN72, load_profile("a100-80g"), {"train_type": "full"})
    console = Console(record=True, width=120)
    console.print(render_plan(p))
    out = console.export_text()
    assert "does not fit" in out and "weights" in out and "--train_type" in out


def test_plan_modules_do_not_import_torch():
    code = ("import sys, hardware.plan, hardware.memory, hardware.profiles, hardware.spec, "
            "hardware.report; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_dpo_plan_flags_and_memory():
    sft = make_plan(QWEN7, load_profile("a100-80g"), {"train_type": "lora", "max_length": 2048,
                                                      "per_device_train_batch_size": 2,
                                                      "gradient_checkpointing": True})
    dpo = make_plan(QWEN7, load_profile("a100-80g"), {"task": "rlhf", "rlhf_type": "dpo",
                                                      "train_type": "lora", "max_length": 2048,
                                                      "per_device_train_batch_size": 2,
                                                      "gradient_checkpointing": True})
    assert dpo.task == "dpo" and dpo.flags["rlhf_type"] == "dpo"
    # DPO scores chosen + rejected through trl's fused LM head, as sft does: one tile and the hidden-state gradient
    tokens = 2 * 2 * 2048
    assert dpo.breakdown["logits"] == 4096 * 32768 * (2 + 8) + tokens * QWEN7.hidden_size * 4
    assert dpo.breakdown["logits"] > sft.breakdown["logits"]
    orpo = make_plan(QWEN7, load_profile("a100-80g"), {"task": "rlhf", "rlhf_type": "orpo",
                                                       "train_type": "lora", "max_length": 2048,
                                                       "per_device_train_batch_size": 2,
                                                       "gradient_checkpointing": True})
    # trl's experimental ORPO trainer holds the whole logits in fp32 (logits, log-softmax, gradient)
    assert orpo.breakdown["logits"] == 3 * tokens * QWEN7.vocab_size * 4
    assert dpo.peak_bytes > sft.peak_bytes


def test_infer_plan_vllm_on_cuda_and_quant_fallback():
    p = make_plan(QWEN7, load_profile("a100-80g"), {"task": "infer", "infer_backend": "vllm",
                                                    "max_length": 4096, "max_new_tokens": 1024})
    assert p.fits and p.flags["infer_backend"] == "vllm" and p.flags["max_model_len"] == 5120
    small = make_plan(QWEN7, load_profile("t4"), {"task": "infer", "max_length": 1024})
    assert small.fits and small.flags.get("quant_bits") in (None, 8, 4)
    assert json.loads(json.dumps(small.to_dict()))["task"] == "infer"


def test_padding_free_left_unset_is_planned_for_short_sft_batches_and_kept_when_given():
    """The plan shows the run's --padding_free: on where batch x max_length stays within 4096 tokens (then no padding
    term in the estimate), off for long batches, and the user's value whatever it is."""
    spec, gpu = QWEN7, load_profile("a100-80g")
    w = {"task": "sft", "train_type": "lora", "per_device_train_batch_size": 4, "gradient_checkpointing": True}
    short = make_plan(spec, gpu, {**w, "max_length": 512})
    assert short.flags["padding_free"] is True
    assert "padding_free" not in make_plan(spec, gpu, {**w, "max_length": 2048}).flags
    kept = make_plan(spec, gpu, {**w, "max_length": 512, "padding_free": False})
    assert "padding_free" not in kept.flags and kept.peak_bytes >= short.peak_bytes
