"""GRPO memory on top of a training estimate (pure, no I/O): what online RL adds to a plain training step.

    reference_weights  a frozen copy of the policy for the KL term (beta > 0, full fine-tuning; LoRA computes the
                       reference by disabling the adapter, so it costs nothing)
    rollout_kv_cache   generation: 2·L·G·(prompt + completion)·kv_dim·a for the G = generation batch rows sampled at
                       once (per_device_train_batch_size × gradient_accumulation_steps completions per device)
    rollout_logits     one decoding step's fp32 logits for the G rows (G·vocab·4), plus the log-prob passes of the
                       old/reference policy on one micro-batch (b·(prompt + completion)·vocab·4)
    vllm_share         --use_vllm colocate: vLLM reserves --vllm_gpu_memory_utilization of the device for itself

The training terms come from hardware.memory (sequence = prompt + completion). Generation and the backward pass do
not overlap, so the peak is the larger of the training peak and weights + rollout, plus the reference and vLLM.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RolloutInputs:
    per_device_batch: int            # completions per micro-batch
    generation_batch: int            # completions sampled at once per device
    prompt_tokens: int
    completion_tokens: int
    dtype_bytes: int                 # 2 for bf16/fp16, 4 for fp32
    beta: float
    full: bool                       # full fine-tuning (LoRA needs no reference copy)
    vllm_colocate: bool = False
    vllm_utilization: float = 0.9
    device_total_bytes: int = 0


@dataclass
class RolloutBreakdown:
    terms: dict[str, int]
    peak_bytes: int
    notes: list[str] = field(default_factory=list)


def grpo_terms(spec, inp: RolloutInputs) -> dict[str, int]:
    """Bytes per device that GRPO adds to a training step, by term."""
    seq = inp.prompt_tokens + inp.completion_tokens
    weights = spec.params_total * inp.dtype_bytes
    return {
        "reference_weights": weights if inp.beta > 0 and inp.full else 0,
        "rollout_kv_cache": 2 * spec.num_layers * inp.generation_batch * seq * spec.num_kv_heads * spec.head_dim
        * inp.dtype_bytes,
        "rollout_logits": inp.generation_batch * spec.vocab_size * 4 + inp.per_device_batch * seq * spec.vocab_size * 4,
        "vllm_share": int(inp.vllm_utilization * inp.device_total_bytes) if inp.vllm_colocate else 0,
    }


def grpo_peak(train_peak: int, weights_bytes: int, spec, inp: RolloutInputs) -> RolloutBreakdown:
    """The GRPO peak from the training estimate's peak and weights; with the reasons it is what it is."""
    t = grpo_terms(spec, inp)
    rollout = weights_bytes + t["rollout_kv_cache"] + t["rollout_logits"]
    peak = max(train_peak, rollout) + t["reference_weights"] + t["vllm_share"]
    notes = [(f"GRPO: {inp.generation_batch} completions sampled at once, {inp.prompt_tokens} prompt + "
              f"{inp.completion_tokens} completion tokens each")]
    if t["reference_weights"]:
        notes.append("beta > 0 with full fine-tuning keeps a frozen reference copy of the weights")
    if t["vllm_share"]:
        notes.append(f"vLLM colocated reserves {inp.vllm_utilization:.0%} of the device")
    return RolloutBreakdown(t, peak, notes)


def refusals(inp: RolloutInputs, free_bytes: int, peak: int) -> list[str]:
    """Why a GRPO run cannot fit, one reason per line (empty when it fits)."""
    out = []
    if inp.vllm_colocate and inp.vllm_utilization >= 1:
        out.append("--vllm_gpu_memory_utilization must leave room for training (below 1.0)")
    if peak > free_bytes:
        out.append(f"GRPO estimate {peak / 2**30:.1f} GiB exceeds free memory {free_bytes / 2**30:.1f} GiB; lower "
                   "--num_generations, --max_completion_length or the batch, or use LoRA")
    return out
