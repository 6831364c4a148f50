"""Option groups of `swift export` and `swift quantize` (ms-swift spellings), declared once each."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.options.declare import opt

EXPORT_TARGETS = ("gguf", "ollama", "onnx")
# Types the gguf package can quantize to in numpy (checked against gguf 0.19's quants module).
GGUF_TYPES = ("f32", "f16", "bf16", "q8_0", "q5_1", "q5_0", "q4_1", "q4_0")
CPU_QUANT_METHODS = ("hqq", "quanto", "torchao", "bnb")
CUDA_QUANT_METHODS = ("gptq", "awq")
# ms-swift's names that need a CUDA GPU and a library not in yichui: refused in one line (commands/export.py)
UNRUNNABLE_QUANT = {"fp8": "FP8 weights need a CUDA GPU with FP8 support (Hopper / Ada) and ms-swift's exporter",
                    "gptq_v2": "GPTQ v2 needs a CUDA GPU and gptqmodel's v2 format (ms-swift's exporter)"}
QUANT_METHODS = CPU_QUANT_METHODS + CUDA_QUANT_METHODS + tuple(UNRUNNABLE_QUANT)


@dataclass(frozen=True)
class OutputArgs:
    """Where the artifact goes and how it is checked."""

    output_dir: str | None = opt(None, "Target folder (default: <ckpt>-merged, <model>-gguf, <model>-<method>-int<bits>...)",
                                 zh="输出目录")
    exist_ok: bool = opt(False, "Replace an existing --output_dir (otherwise refuse)")
    verify: bool = opt(True, "Reload the artifact with an independent reader and compare with the source")
    verify_prompts: int = opt(20, "Fixed prompts used for the greedy-agreement check")
    verify_tokens: int = opt(24, "Greedy tokens generated per verification prompt")


@dataclass(frozen=True)
class ExportArgs:
    """What `swift export` produces."""

    to: str | None = opt(None, "Format: gguf (llama.cpp), ollama (gguf + Modelfile) or onnx", choices=EXPORT_TARGETS,
                         zh="导出格式")
    to_ollama: bool = opt(False, "Same as --to ollama (ms-swift spelling)")
    merge_lora: bool = opt(False, "Merge --adapters into the base; writes <ckpt>-merged/", zh="合并 LoRA")
    max_shard_size: str = opt("5GB", "Largest safetensors shard of a merged model")
    safe_serialization: bool = opt(True, "Write safetensors (merged models)")


@dataclass(frozen=True)
class GgufArgs:
    """GGUF (llama.cpp / Ollama) encoding."""

    gguf_type: str = opt("f16", "Tensor type for 2-D weights; norms stay f32", aliases=("gguf_quant", "outtype"),
                         choices=GGUF_TYPES)
    ollama_name: str | None = opt(None, "Model name in the printed `ollama create` command (default: folder name)")


@dataclass(frozen=True)
class OnnxArgs:
    """ONNX export."""

    onnx_opset: int = opt(18, "ONNX opset version")
    onnx_past_kv: bool = opt(True, "Export with past key values (incremental decoding)")


@dataclass(frozen=True)
class QuantizeArgs:
    """Post-training quantization of a model or a merged adapter."""

    quant_method: str | None = opt(None, "hqq, quanto, torchao, bnb (CPU); gptq, awq (CUDA + the [gptq]/[awq] extra)",
                                   choices=QUANT_METHODS, zh="量化方法")
    quant_bits: int | None = opt(None, "Weight bits: 4 or 8 (gptq/awq: 4; hqq/quanto/torchao/bnb: 4 or 8)",
                                 zh="量化位数")
    group_size: int = opt(128, "Weights per quantization group (hqq, torchao 4-bit, gptq, awq)")
    dataset: list[str] = opt([], "Calibration data for gptq/awq: files or built-in names, each with #N",
                             aliases=("datasets",))
    quant_n_samples: int = opt(256, "Calibration rows for gptq/awq")
    quant_seqlen: int = opt(2048, "Longest calibration row in tokens", aliases=("max_length",))
    bnb_4bit_quant_type: str = opt("nf4", "bnb 4-bit type", choices=("nf4", "fp4"))
    bnb_4bit_use_double_quant: bool = opt(True, "bnb: quantize the 4-bit scales too")


@dataclass(frozen=True)
class PushArgs:
    """Upload the artifact to ModelScope (default) or Hugging Face (--use_hf true)."""

    push_to_hub: bool = opt(False, "Upload the exported folder after it verified")
    hub_model_id: str | None = opt(None, "Repository to upload to, Owner/Name")
    hub_private_repo: bool = opt(False, "Create the repository as private")
    commit_message: str = opt("Upload with yichui (swift export)", "Commit message of the upload")
