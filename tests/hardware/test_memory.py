"""Estimator sanity against public reference points and its own invariants (pure, fast)."""
import pytest

from hardware.memory import GIB, MemoryInputs, estimate, weight_bytes
from hardware.profiles import load_profile
from hardware.spec import ModelSpec

LLAMA7 = ModelSpec.from_config({"model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
                                "num_hidden_layers": 32, "num_attention_heads": 32, "vocab_size": 32000})
LLAMA65 = ModelSpec.from_config({"model_type": "llama", "hidden_size": 8192, "intermediate_size": 22016,
                                 "num_hidden_layers": 80, "num_attention_heads": 64, "vocab_size": 32000})
QWEN7 = ModelSpec.from_config({"model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944,
                               "num_hidden_layers": 28, "num_attention_heads": 28,
                               "num_key_value_heads": 4, "vocab_size": 152064})
QWEN72 = ModelSpec.from_config({"model_type": "qwen2", "hidden_size": 8192, "intermediate_size": 29568,
                                "num_hidden_layers": 80, "num_attention_heads": 64,
                                "num_key_value_heads": 8, "vocab_size": 152064})
STATIC = ("weights", "gradients", "optimizer_states", "master_weights")


def test_param_counts_of_references():
    assert abs(LLAMA7.params_total - 6.74e9) / 6.74e9 < 0.01      # LLaMA-7B: 6.74B
    assert abs(LLAMA65.params_total - 65.2e9) / 65.2e9 < 0.01     # LLaMA-65B: 65.2B
    assert abs(QWEN72.params_total - 72.7e9) / 72.7e9 < 0.01      # Qwen2.5-72B: 72.7B


def test_7b_mixed_precision_adamw_is_16_bytes_per_param():
    br = estimate(LLAMA7, MemoryInputs(train_type="full", dtype="bfloat16", master_weights=True,
                                       batch_size=1, seq_len=1))
    bpp = sum(br.terms[k] for k in STATIC) / LLAMA7.params_total
    assert abs(bpp - 16) / 16 <= 0.15
    amp = estimate(LLAMA7, MemoryInputs(train_type="full", dtype="float32", autocast="bfloat16",
                                        batch_size=1, seq_len=1))
    bpp_amp = sum(amp.terms[k] for k in STATIC + ("autocast_cache",)) / LLAMA7.params_total
    assert 16 <= bpp_amp <= 18                                     # conventions: 16–18 with AMP


def test_pure_bf16_trainer_is_8_bytes_per_param_and_fp32_cpu_is_16():
    br = estimate(LLAMA7, MemoryInputs(train_type="full", dtype="bfloat16", batch_size=1, seq_len=1))
    assert sum(br.terms[k] for k in STATIC) / LLAMA7.params_total == pytest.approx(8, rel=0.01)
    cpu = estimate(LLAMA7, MemoryInputs(train_type="full", dtype="float32", device_kind="cpu",
                                        batch_size=1, seq_len=1))
    assert sum(cpu.terms[k] for k in STATIC) / LLAMA7.params_total == pytest.approx(16, rel=0.01)


def test_65b_qlora_fits_a_48gb_card():
    br = estimate(LLAMA65, MemoryInputs(train_type="qlora", dtype="bfloat16", lora_rank=64,
                                        optimizer="paged_adamw", batch_size=1, seq_len=512,
                                        gradient_checkpointing=True))
    assert br.peak_bytes <= 48e9
    # NF4 + double quant ≈ 4.127 bits for the quantized linears (QLoRA §3)
    assert 32e9 < br.terms["weights"] < 36e9


def test_qwen25_7b_lora_bf16_fits_24gb():
    br = estimate(QWEN7, MemoryInputs(train_type="lora", dtype="bfloat16", batch_size=1,
                                      seq_len=2048, gradient_checkpointing=True))
    assert br.peak_bytes <= load_profile("rtx4090").device_free_bytes
    assert br.terms["weights"] == QWEN7.params_total * 2


def test_72b_full_does_not_fit_one_a100_80g():
    br = estimate(QWEN72, MemoryInputs(train_type="full", dtype="bfloat16", batch_size=1,
                                       seq_len=1024, gradient_checkpointing=True))
    assert br.peak_bytes > load_profile("a100-80g").device_free_bytes


def test_logits_term_is_three_fp32_copies():
    # transformers upcasts logits to fp32 for the loss; log-softmax output and its gradient
    # live at the start of backward: 3·T·V·4 bytes (lm_head frozen under LoRA).
    br = estimate(QWEN7, MemoryInputs(train_type="lora", batch_size=2, seq_len=1024))
    assert br.terms["logits"] == 3 * 2 * 1024 * 152064 * 4


def test_fused_lm_head_keeps_one_tile_not_the_whole_logits():
    # trl's SFTTrainer scores in [4096 tokens x 32768 vocab] tiles: measured on an H200 (bench/gpu_check.py), a
    # Qwen2.5-0.5B LoRA step at 4 x 2048 tokens with checkpointing peaked at 2.36 GiB, less than the 13.9 GiB the
    # whole fp32 logits would take.
    whole = estimate(QWEN7, MemoryInputs(batch_size=4, seq_len=2048))
    fused = estimate(QWEN7, MemoryInputs(batch_size=4, seq_len=2048, fused_lm_head=True))
    assert fused.terms["logits"] == 4096 * 32768 * (2 + 8) + 4 * 2048 * QWEN7.hidden_size * 4
    assert fused.terms["logits"] < whole.terms["logits"] / 10
    full = estimate(QWEN7, MemoryInputs(train_type="full", batch_size=4, seq_len=2048, fused_lm_head=True))
    assert full.terms["logits"] - fused.terms["logits"] == QWEN7.vocab_size * QWEN7.hidden_size * 4  # lm_head grad


def test_peak_terms_sum_and_breakdown_names():
    br = estimate(QWEN7, MemoryInputs(train_type="full", batch_size=2, seq_len=1024))
    assert sum(br.terms[k] for k in br.peak_terms) == br.peak_bytes
    assert "runtime_overhead" in br.peak_terms and br.terms["runtime_overhead"] > 0
    for k in ("weights", "trainable_params", "gradients", "optimizer_states", "master_weights",
              "activations", "logits", "kv_cache", "runtime_overhead"):
        assert k in br.terms


def test_monotone_in_batch_seq_and_checkpointing_saves():
    def peak(**kw):
        return estimate(QWEN7, MemoryInputs(**{"train_type": "lora", **kw})).peak_bytes
    assert peak(batch_size=1, seq_len=512) < peak(batch_size=4, seq_len=512)
    assert peak(batch_size=4, seq_len=512) < peak(batch_size=4, seq_len=2048)
    assert peak(seq_len=4096, gradient_checkpointing=True) < peak(seq_len=4096)
    assert peak(seq_len=1024, attn_impl="eager") > peak(seq_len=1024, attn_impl="sdpa")


def test_zero_sharding_and_offload():
    def br(**kw):
        return estimate(QWEN7, MemoryInputs(**{"train_type": "full", "num_devices": 8,
                                               "master_weights": True, **kw}))
    z0, z2, z3 = br(), br(zero_stage=2), br(zero_stage=3)
    assert z2.terms["optimizer_states"] == z0.terms["optimizer_states"] // 8
    assert z2.terms["gradients"] < z0.terms["gradients"] and z2.terms["weights"] == z0.terms["weights"]
    assert z3.terms["weights"] < z2.terms["weights"] and z3.peak_bytes < z2.peak_bytes < z0.peak_bytes
    off = br(zero_stage=3, offload=True)
    assert off.terms["optimizer_states"] == 0 and off.host_bytes > 0


def test_dpo_costs_more_than_sft_and_full_dpo_has_reference_copy():
    sft = estimate(QWEN7, MemoryInputs(task="sft", train_type="lora", seq_len=1024))
    dpo = estimate(QWEN7, MemoryInputs(task="dpo", train_type="lora", seq_len=1024))
    assert dpo.terms["activations"] > 1.9 * sft.terms["activations"] - 1
    assert dpo.terms["reference_weights"] == 0                 # adapters disabled = reference
    full = estimate(QWEN7, MemoryInputs(task="dpo", train_type="full", seq_len=1024))
    assert full.terms["reference_weights"] == full.terms["weights"]


def test_inference_kv_cache():
    br = estimate(QWEN7, MemoryInputs(task="infer", dtype="bfloat16", batch_size=4, seq_len=1024,
                                      max_new_tokens=1024))
    # 2 (k,v) × 28 layers × 4 × 2048 tokens × 512 (4 kv heads × 128) × 2 bytes
    assert br.terms["kv_cache"] == 2 * 28 * 4 * 2048 * 512 * 2
    assert br.terms["gradients"] == 0 and br.phase == "inference"


def test_weight_formats():
    base = dict(train_type="lora", dtype="bfloat16")
    bf16 = weight_bytes(QWEN7, MemoryInputs(**base))
    nf4 = weight_bytes(QWEN7, MemoryInputs(**{**base, "quant": "bnb4"}))
    int8 = weight_bytes(QWEN7, MemoryInputs(**{**base, "quant": "bnb8"}))
    gptq = weight_bytes(QWEN7, MemoryInputs(**{**base, "quant": "gptq", "quant_bits": 4}))
    assert nf4 < gptq < int8 < bf16
    assert nf4 / GIB == pytest.approx(5.2, abs=0.4)            # Qwen2.5-7B in NF4 ≈ 5.2 GiB


def test_bad_inputs_raise_value_error():
    with pytest.raises(ValueError, match="train_type"):
        estimate(QWEN7, MemoryInputs(train_type="prefix"))
