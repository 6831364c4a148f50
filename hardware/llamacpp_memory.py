"""Memory of llama.cpp serving one GGUF (`--infer_backend llamacpp`, CPU). Pure.

Terms (bytes; what the server process holds above an idle one)::

    weights       params × bytes per weight of the GGUF type: f32 4, f16/bf16 2, q8_0 34/32 (32 int8 + one
                  fp16 scale per block of 32), q4_1 20/32, q4_0 18/32, q4_k_m ≈ 4.85 bits. The file is
                  mmap'd; every page is read while generating, so it all counts in RSS.
    kv_cache      2·L·n_ctx·kv_heads·head_dim·2: f16 K and V for the whole context, reserved at load
                  (llama.cpp allocates n_ctx, not prompt + new tokens; our server runs one sequence at a time).
    activations   the compute buffer of one n_batch = 512 token prefill step: 512·4·(4h + 2i), reused.
    logits        V·4 for the last position (+ its copy in llama-cpp-python).
    runtime_overhead  a constant: the ggml backends and the Python bindings (measured ≈ 40 MiB).

The GGUF type follows our conversion (engine/serve/gguf_cache.py): f32 when float32 is asked, else q8_0.
"""
from __future__ import annotations

GGUF_ARCHS = ("qwen2", "llama", "mistral")  # what our export writes (engine/export/gguf_writer.ARCHS; a test checks)
BYTES_PER_WEIGHT = {"f32": 4.0, "f16": 2.0, "bf16": 2.0, "q8_0": 34 / 32, "q4_1": 20 / 32, "q4_0": 18 / 32,
                    "q4_k_m": 4.85 / 8}
N_BATCH = 512
OVERHEAD = 40 * 2 ** 20


def gguf_type(dtype: str) -> str:
    """The type our conversion writes for --torch_dtype `dtype` (same rule as gguf_cache.gguf_type_for)."""
    return "f32" if dtype in ("float32", "fp32") else "q8_0"


def llamacpp_terms(params: int, layers: int, kv_dim: int, hidden: int, intermediate: int, vocab: int,
                   n_ctx: int, gtype: str = "q8_0") -> dict[str, int]:
    """The terms above for one GGUF served with a context of `n_ctx` tokens."""
    return {"weights": int(params * BYTES_PER_WEIGHT[gtype]),
            "kv_cache": 2 * layers * n_ctx * kv_dim * 2,
            "activations": N_BATCH * 4 * (4 * hidden + 2 * intermediate),
            "logits": vocab * 4 * 2,
            "runtime_overhead": OVERHEAD}
