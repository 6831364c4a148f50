"""The inference plan (`swift infer` / `deploy` / `eval`): backend, dtype and quantization that fit. Pure."""
from __future__ import annotations

from typing import Any

from .llamacpp_memory import GGUF_ARCHS
from .machine import HardwareProfile
from .memory import MemoryInputs, estimate
from .plan_types import Plan, fits_in, gib_text
from .rules import bnb_supported, refuse_vllm
from .spec import ModelSpec


def plan_infer(spec: ModelSpec, profile: HardwareProfile, w: dict, seq: int, attn: str,
               notes: list[str]) -> Plan:
    """Backend (vLLM / llama.cpp / pt), dtype and, where the weights do not fit, bitsandbytes 8 or 4 bit."""
    kind = profile.accelerator
    backend = str(w.get("infer_backend", "pt")).lower()
    if backend == "vllm":
        why = refuse_vllm(profile)
        if why:
            notes.append(why)
            backend = "pt"
        elif profile.source == "probe" and not profile.engines.get("vllm"):
            notes.append("vllm is not installed here: pip install 'yichui[vllm]'")
    if "infer_backend" not in w and kind == "cpu" and profile.engines.get("llama-cpp-python") \
            and spec.model_type in GGUF_ARCHS and not spec.quant_method:
        backend = "llamacpp"
        notes.append("llama.cpp serves here (no accelerator; the model is converted to GGUF once); "
                     "--infer_backend pt keeps transformers")
    dtype = "float32" if kind == "cpu" else ("bfloat16" if profile.bf16 else "float16")
    if w.get("torch_dtype") not in (None, "auto") and kind != "cpu":
        dtype = w["torch_dtype"]
    if backend == "llamacpp":  # q8_0 GGUF unless float32 is asked (f32): see llamacpp_memory.gguf_type
        dtype = "float32" if w.get("torch_dtype") in ("float32", "fp32") else "bfloat16"
    b = int(w.get("max_batch_size", w.get("per_device_train_batch_size", 1)))
    new = int(w.get("max_new_tokens", 512))
    free = profile.device_free_bytes
    if backend == "vllm":
        free = int(profile.device_total_bytes * float(w.get("gpu_memory_utilization", 0.9)))
    quant = {4: "bnb4", 8: "bnb8"}.get(int(w.get("quant_bits", 0) or 0), "none")
    if spec.quant_method in ("gptq", "awq"):
        quant = spec.quant_method
    opts = [quant] if ("quant_bits" in w or quant != "none" or not bnb_supported(kind) or backend == "llamacpp") \
        else ["none", "bnb8", "bnb4"]
    br = None
    for q in opts:
        inp = MemoryInputs(task="infer", train_type="lora", dtype=dtype, quant=q,
                           quant_bits=spec.quant_bits or 4, batch_size=b, seq_len=seq,
                           max_new_tokens=new, attn_impl=attn, device_kind=kind,
                           infer_backend=backend)
        br = estimate(spec, inp)
        if fits_in(br, free):
            quant = q
            break
    fits = br.peak_bytes <= free
    if not fits:
        notes.append(f"does not fit: needs {gib_text(br.peak_bytes)}, {gib_text(free)} available on "
                     f"{profile.name}")
    elif quant.startswith("bnb") and "quant_bits" not in w:
        notes.append(f"quant_bits {quant[-1]}: the {dtype} weights do not fit on {profile.name}")
    notes.extend(br.notes)
    gguf_auto = backend == "llamacpp" and dtype != "float32"  # the q8_0 GGUF: --torch_dtype left to its default
    flags: dict[str, Any] = {"infer_backend": backend, "torch_dtype": "auto" if gguf_auto else dtype,
                             "max_new_tokens": new, "max_batch_size": b}
    if quant.startswith("bnb"):
        flags.update(quant_method="bnb", quant_bits=int(quant[-1]))
    if backend == "vllm":
        flags.update(max_model_len=seq + new,
                     gpu_memory_utilization=float(w.get("gpu_memory_utilization", 0.9)))
    return Plan(task="infer", train_type=None, params_total=spec.params_total,
                params_trainable=0, peak_bytes=br.peak_bytes, breakdown=dict(br.terms),
                peak_terms=list(br.peak_terms), phase=br.phase, free_bytes=free, fits=fits,
                flags=flags, notes=notes, hardware=profile.name, device_kind=kind, num_devices=1)
