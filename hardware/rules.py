"""Which combinations a device can run, and the ms-swift flag spellings the planner accepts. Pure.

Each rule returns None when the combination is fine, or one line naming what is refused, why,
and the nearest valid alternative (the planner applies that alternative and keeps the line).
"""
from __future__ import annotations

from typing import Any

from .machine import HardwareProfile

# ms-swift names across versions → our one name (2.x sft_type, 3.x train_type, 4.x tuner_type).
ALIASES = {"sft_type": "train_type", "tuner_type": "train_type", "dtype": "torch_dtype",
           "batch_size": "per_device_train_batch_size", "lora_r": "lora_rank",
           "max_model_len": "max_length", "total_batch_size": "global_batch_size",
           "nproc_per_node": "nproc_per_node", "NPROC_PER_NODE": "nproc_per_node",
           "attn_implementation": "attn_impl", "rlhf_type": "rlhf_type",
           "quantization_bit": "quant_bits", "optimizer": "optim"}
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off", "none", ""}
BOOL_FLAGS = {"gradient_checkpointing", "bnb_4bit_use_double_quant", "padding_free", "fsdp"}
INT_FLAGS = {"per_device_train_batch_size", "gradient_accumulation_steps", "max_length",
             "quant_bits", "lora_rank", "lora_alpha", "global_batch_size", "nproc_per_node",
             "max_new_tokens", "max_batch_size"}
# --padding_free left unset is on when one flattened batch stays this short: without variable-length attention
# kernels (CPU, MPS, plain sdpa) attention over the flattened row costs (batch x length)^2, not batch x length^2.
PADDING_FREE_MAX_TOKENS = 4096
# The ZeRO configs training builds (train.deepspeed_config); anything else is a DeepSpeed JSON file.
DEEPSPEED = ("zero2", "zero2_offload", "zero3", "zero3_offload")


def normalize_wishes(wishes: dict[str, Any] | None) -> dict[str, Any]:
    """Canonical names, dash/underscore spellings, string booleans and numbers; drop None."""
    out: dict[str, Any] = {}
    for key, val in (wishes or {}).items():
        if val is None:
            continue
        k = str(key).lstrip("-").replace("-", "_")
        k = ALIASES.get(k, k)
        if k in BOOL_FLAGS and isinstance(val, str):
            low = val.strip().lower()
            val = True if low in _TRUE else False if low in _FALSE else val
        elif k in INT_FLAGS and isinstance(val, str) and val.strip().lstrip("-").isdigit():
            val = int(val)
        if k == "train_type" and isinstance(val, str):
            val = val.lower()
        if k == "torch_dtype" and isinstance(val, str):
            val = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32",
                   "half": "float16", "float": "float32"}.get(val.lower(), val.lower())
        if k == "infer_backend" and val == "transformers":
            val = "pt"                     # 4.x spelling of the same backend
        if k == "deepspeed" and isinstance(val, str):
            v = val.lower().replace("default-", "")
            val = None if v in ("", "none", "zero0", "false") else v
            if val is None:
                continue
        out[k] = val
    return out


def bnb_supported(kind: str) -> bool:
    # bitsandbytes ≥ 0.45 has CUDA and CPU backends (CPU is slow but works, see cpu_findings);
    # no Ascend or Apple backend we can rely on.
    return kind in ("cuda", "cpu")


def bnb_trains(kind: str) -> bool:
    """Whether `swift sft` quantizes a base with bitsandbytes for training (QLoRA) on this kind: CUDA only.

    The CPU backend runs but is ~5× slower and breaks when the model ran inference before training
    (cpu_findings), so training refuses it; pre-quantized bnb checkpoints still load on CPU."""
    return kind == "cuda"


def refuse_vllm(profile: HardwareProfile) -> str | None:
    if profile.accelerator != "cuda":
        return (f"refused --infer_backend vllm: vLLM needs an NVIDIA GPU (this is "
                f"{profile.accelerator}); using --infer_backend pt")
    return None


def deepspeed_trains(kind: str) -> bool:
    """Whether `swift sft --deepspeed` runs on this device kind: CUDA only (train.deepspeed_config refuses the
    rest; DeepSpeed's Ascend backend is not wired in)."""
    return kind == "cuda"


def deepspeed_value_problem(ds: str) -> str | None:
    """Why a --deepspeed value is not one training builds (None when it is, or when it is a .json file)."""
    if ds.endswith(".json") or ds in DEEPSPEED:
        return None
    return f"--deepspeed {ds}: use {', '.join(DEEPSPEED)} or a DeepSpeed .json file"


def refuse_deepspeed(profile: HardwareProfile, ds: str) -> str | None:
    if not deepspeed_trains(profile.accelerator):
        alt = "DDP over gloo (torchrun)" if profile.accelerator == "cpu" else (
            "DDP (torchrun)" if profile.accelerator == "npu" else "no DeepSpeed")
        return (f"refused --deepspeed {ds}: DeepSpeed training runs on CUDA GPUs only (this is "
                f"{profile.accelerator}); using {alt}")
    why = deepspeed_value_problem(ds)
    return f"refused {why}; using none" if why else None


def refuse_quant(profile: HardwareProfile, method: str) -> str | None:
    kind = profile.accelerator
    if method in ("gptq", "awq") and kind != "cuda":
        return (f"refused a {method.upper()} base on {kind}: its kernels need CUDA; use the "
                f"unquantized base (LoRA) instead")
    if method == "bnb" and not bnb_supported(kind):
        return (f"refused bitsandbytes quantization on {kind}: no bitsandbytes backend there; "
                f"using LoRA on the 16-bit base")
    return None


def refuse_qlora(profile: HardwareProfile) -> str | None:
    """Why QLoRA cannot train on this profile (None when it can)."""
    if not bnb_trains(profile.accelerator):
        return (f"refused --train_type qlora on {profile.accelerator}: training on a bitsandbytes-quantized "
                f"base needs CUDA here; using LoRA on the 16-bit base")
    return None


def refuse_flash(profile: HardwareProfile, engines_known: bool) -> str | None:
    cc = [d.compute_capability for d in profile.devices]
    if profile.accelerator != "cuda" or not cc or any(c is None or float(c) < 8.0 for c in cc):
        return "refused --attn_impl flash_attn: FlashAttention-2 needs an Ampere+ NVIDIA GPU; using sdpa"
    if engines_known and not profile.engines.get("flash-attn"):
        return "--attn_impl flash_attn: flash-attn is not installed here; using sdpa (pip install flash-attn)"
    return None


def training_dtype(profile: HardwareProfile, wish: str | None) -> tuple[str, str | None]:
    """(dtype, note). bf16 where supported, else fp16; fp32 on CPU (a warning, never a refusal)."""
    kind = profile.accelerator
    if kind == "cpu":
        if wish and wish not in ("float32", "auto"):
            return "float32", f"--torch_dtype {wish} on CPU runs in float32 (CPU training is fp32 here)"
        return "float32", None
    if wish in (None, "auto"):
        if profile.bf16:
            return "bfloat16", None
        return ("float16" if kind != "mps" else "float32"), (
            f"{profile.name}: no bfloat16 support; using "
            f"{'float16' if kind != 'mps' else 'float32'}")
    if wish == "bfloat16" and not profile.bf16:
        alt = "float16" if kind != "mps" else "float32"
        return alt, f"--torch_dtype bfloat16 is not supported on {profile.name}; using {alt}"
    return wish, None


def training_refusals(kind: str, train_type: str, quant_bits: int | None, deepspeed: str | None,
                      fsdp: str | None = None) -> list[str]:
    """What `swift sft/pt/rlhf` refuses to train on this device kind, one line each (empty: it runs). Training
    (train.check_requirements) and the planner's contract test ask this same function."""
    out = []
    if (train_type == "qlora" or quant_bits) and not bnb_trains(kind):
        out.append(f"--train_type {train_type} with bitsandbytes quantization needs a CUDA GPU (this machine: "
                   f"{kind}); use --train_type lora here")
    if deepspeed and deepspeed.lower() not in ("none", "false"):
        if why := deepspeed_value_problem(deepspeed):
            out.append(why)
        elif not deepspeed_trains(kind):
            out.append(f"--deepspeed {deepspeed} needs CUDA GPUs (this machine: {kind})")
    if fsdp and fsdp.lower() not in ("none", "false", "") and not deepspeed_trains(kind):
        out.append(f"--fsdp {fsdp}: FSDP shards the model over CUDA GPUs launched together (NPROC_PER_NODE=N "
                   f"torchrun; this machine: {kind}); on one device drop --fsdp")
    return out


def padding_free_by_default(batch_size: int, max_length: int, packing: bool) -> bool:
    """Whether an unset --padding_free is on: batches of several rows whose flattened row stays within
    PADDING_FREE_MAX_TOKENS (packed rows have no padding to drop)."""
    return not packing and batch_size > 1 and batch_size * max_length <= PADDING_FREE_MAX_TOKENS
