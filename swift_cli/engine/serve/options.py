"""The serve flags, declared once (ms-swift names; vLLM-prefixed spellings as aliases)."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.options.declare import opt


@dataclass(frozen=True)
class ServeArgs:
    """Where and how the OpenAI-compatible server listens and batches."""

    host: str = opt("127.0.0.1", "Address to bind (0.0.0.0 exposes the server to the network)")
    port: int = opt(8000, "Port to listen on", zh="端口")
    api_key: str | None = opt(None, "Require 'Authorization: Bearer KEY' on /v1 (else $YICHUI_API_KEY when set)",
                              secret=True)
    served_model_name: str | None = opt(None, "Name of the base model in the API (default: the model dir's name)")
    max_batch_size: int = opt(16, "Most sequences generated together in one batch (pt) / max_num_seqs (vllm)",
                              aliases=("max_num_seqs", "vllm_max_num_seqs"))
    batch_wait_ms: float = opt(20.0, "pt: how long the batcher waits for more requests before a forward pass")
    max_model_len: int | None = opt(None, "Longest prompt + completion in tokens (default: the model's context)",
                                    aliases=("vllm_max_model_len",))
    gpu_memory_utilization: float = opt(0.9, "vllm: fraction of GPU memory to use",
                                        aliases=("vllm_gpu_memory_utilization",))
    tensor_parallel_size: int = opt(1, "vllm: GPUs to shard the model over", aliases=("vllm_tensor_parallel_size",))
    max_lora_rank: int | None = opt(None, "vllm: largest LoRA rank (default: read from the adapters)",
                                    aliases=("vllm_max_lora_rank",))
    enforce_eager: bool = opt(False, "vllm: disable CUDA graphs", aliases=("vllm_enforce_eager",))
    use_cpu: bool = opt(False, "pt: run on CPU even when an accelerator is present")
    log_requests: bool = opt(True, "Print one access-log line per request")
