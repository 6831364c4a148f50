"""The GRPO memory terms (hardware/memory_rl.py): what each choice adds, and the refusal with its reason."""
from __future__ import annotations

import json

from hardware.memory_rl import RolloutInputs, grpo_peak, grpo_terms, refusals
from hardware.spec import ModelSpec

GIB = 2**30


def _spec(tiny_model):
    return ModelSpec.from_config(json.loads((tiny_model / "config.json").read_text()))


def test_terms_follow_the_choices(tiny_model):
    spec = _spec(tiny_model)
    base = RolloutInputs(per_device_batch=8, generation_batch=16, prompt_tokens=64, completion_tokens=256,
                         dtype_bytes=2, beta=0.04, full=False)
    t = grpo_terms(spec, base)
    assert t["reference_weights"] == 0 and t["vllm_share"] == 0           # LoRA: the reference is the base
    kv = 2 * spec.num_layers * 16 * (64 + 256) * spec.num_kv_heads * spec.head_dim * 2
    assert t["rollout_kv_cache"] == kv
    full = grpo_terms(spec, RolloutInputs(**{**base.__dict__, "full": True}))
    assert full["reference_weights"] == spec.params_total * 2
    assert grpo_terms(spec, RolloutInputs(**{**base.__dict__, "full": True, "beta": 0.0}))["reference_weights"] == 0
    longer = grpo_terms(spec, RolloutInputs(**{**base.__dict__, "completion_tokens": 512}))
    assert longer["rollout_kv_cache"] > kv and longer["rollout_logits"] > t["rollout_logits"]
    colocated = RolloutInputs(**{**base.__dict__, "vllm_colocate": True, "device_total_bytes": 80 * GIB})
    out = grpo_peak(GIB, GIB // 2, spec, colocated)
    assert out.terms["vllm_share"] == int(0.9 * 80 * GIB) and out.peak_bytes > out.terms["vllm_share"]
    assert any("vLLM" in n for n in out.notes)


def test_refusal_names_the_reason():
    inp = RolloutInputs(per_device_batch=8, generation_batch=8, prompt_tokens=1, completion_tokens=1, dtype_bytes=2,
                        beta=0.0, full=False, vllm_colocate=True, vllm_utilization=1.0)
    reasons = refusals(inp, free_bytes=GIB, peak=2 * GIB)
    assert any("--vllm_gpu_memory_utilization" in r for r in reasons)
    assert any("exceeds free memory" in r and "--num_generations" in r for r in reasons)
    assert refusals(RolloutInputs(**{**inp.__dict__, "vllm_colocate": False}), GIB, GIB // 2) == []


def test_dry_run_shows_grpo_terms_and_refuses_what_cannot_fit(tiny_model, tmp_path):
    from tests.conftest import swift

    data = tmp_path / "p.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n')
    proc = swift("rlhf", "--rlhf_type", "grpo", "--model", tiny_model, "--dataset", data, "--reward_funcs", "format",
                 "--num_generations", "512", "--per_device_train_batch_size", "512", "--max_completion_length",
                 "200000", "--dry_run", "true", "--output_dir", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "rollout_kv_cache" in proc.stdout and "refused: GRPO estimate" in proc.stdout
    assert not (tmp_path / "out").exists()
