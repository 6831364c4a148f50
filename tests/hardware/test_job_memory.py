"""Admission's estimate for jobs that do not train (hardware/job_memory.py): serving = the planner's inference
estimate (weights + KV cache; eval serves the model it scores), export = 2 × weights + overhead; and admission
(jobs/admission.admit) starting such a job beside a running one when the sum fits, queueing with the reason when
not. Pure: a config dict and named hardware profiles, no model files."""
from __future__ import annotations

import dataclasses

from hardware.job_memory import EXPORT_OVERHEAD, job_plan
from hardware.machine import GIB
from hardware.profiles import load_profile
from hardware.spec import ModelSpec

SMOL = {"model_type": "llama", "hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30,
        "num_attention_heads": 9, "num_key_value_heads": 3, "vocab_size": 49152, "tie_word_embeddings": True,
        "max_position_embeddings": 8192}
SERVE = {"infer_backend": "pt", "max_length": 1024, "max_new_tokens": 512}


def _cpu(free_gib: float):
    return dataclasses.replace(load_profile("cpu"), ram_free_bytes=int(free_gib * GIB), engines={})


def test_serving_is_weights_plus_kv_cache_and_eval_is_infer():
    spec = ModelSpec.from_config(SMOL)
    infer = job_plan(spec, _cpu(16), "infer", SERVE)
    assert infer.task == "infer" and infer.fits
    assert infer.breakdown["weights"] == spec.params_total * 4                     # float32 on a CPU
    assert infer.breakdown["kv_cache"] == 2 * 30 * 1 * (1024 + 512) * 3 * 64 * 4   # K and V, every layer
    assert infer.peak_bytes > infer.breakdown["weights"] + infer.breakdown["kv_cache"]
    for command in ("eval", "deploy", "app"):
        assert job_plan(spec, _cpu(16), command, SERVE).peak_bytes == infer.peak_bytes
    longer = job_plan(spec, _cpu(16), "deploy", {**SERVE, "max_new_tokens": 4096})
    assert longer.breakdown["kv_cache"] > infer.breakdown["kv_cache"]


def test_export_holds_the_weights_twice():
    spec = ModelSpec.from_config(SMOL)
    bf16 = job_plan(spec, _cpu(16), "export", dtype="bfloat16")
    assert bf16.peak_bytes == 2 * spec.params_total * 2 + EXPORT_OVERHEAD and bf16.fits
    assert job_plan(spec, _cpu(16), "export", dtype="float32").peak_bytes == 2 * spec.params_total * 4 + \
        EXPORT_OVERHEAD
    tight = job_plan(spec, _cpu(0.5), "export", dtype="float32")
    assert not tight.fits and "twice" in tight.why_not and "GiB" in tight.why_not
    assert job_plan(spec, _cpu(16), "sft") is None                                 # training: the planner's own


def test_admission_starts_beside_a_running_job_or_queues_with_the_reason(monkeypatch):
    from jobs import admission

    spec = ModelSpec.from_config(SMOL)
    plan = job_plan(spec, _cpu(8), "eval", SERVE)
    monkeypatch.setattr(admission, "plan_for", lambda command, argv: plan)
    beside = admission.admit("eval", [], running_peaks=[2 * GIB])
    assert beside.action == "start" and beside.peak == plan.peak_bytes
    full = admission.admit("eval", [], running_peaks=[plan.free_bytes - plan.peak_bytes // 2])
    assert full.action == "queue" and full.reason.startswith(f"needs {plan.peak_bytes / GIB:.2f} GiB;")
    assert "free next to the running jobs" in full.reason


def test_a_cloud_profile_plans_an_eval_job_too(tmp_path):
    """jobs/cloud.pick_machine adds --hardware NAME, a flag `swift eval` does not have: admission plans on that
    profile instead of failing to parse (the tiny model's config.json alone, no weights)."""
    import json

    from jobs.admission import plan_for

    (tmp_path / "config.json").write_text(json.dumps({**SMOL, "architectures": ["LlamaForCausalLM"]}))
    there = plan_for("eval", ["--model", str(tmp_path), "--hardware", "t4"])
    assert there.hardware == "t4" and there.device_kind == "cuda" and there.fits
    assert there.breakdown["weights"] == ModelSpec.from_config(SMOL).params_total * 2      # fp16 on a T4
    assert plan_for("export", ["--model", str(tmp_path), "--hardware", "t4"]).hardware == "t4"
