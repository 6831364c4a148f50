"""GRPO rollouts on CPU (or any device without vLLM), faster than transformers' `generate` for the same sampling:
the copies of one prompt (GRPO samples num_generations answers per prompt) share one prefill whose KV cache is
repeated, then all answers decode together, one forward per token, sampling from the processed logits
(temperature, top-k, top-p) as `generate` does. Each answer ends at its first end token, which it keeps (trl's
completion mask). Cases this does not cover (min_p, repetition penalty, images, tool calls, DeepSpeed/FSDP) go
through trl's own path."""
from __future__ import annotations

import torch


def supported(trainer) -> bool:
    args = trainer.args
    return (not trainer.use_vllm and not getattr(trainer, "use_transformers_continuous_batching", False)
            and not trainer.is_deepspeed_enabled and not trainer.is_fsdp_enabled and not trainer.tools
            and not getattr(trainer, "_is_vlm", False) and not args.min_p
            and (trainer.repetition_penalty or 1.0) == 1.0)


def _filter(logits: torch.Tensor, temperature: float, top_k: int | None, top_p: float | None) -> torch.Tensor:
    logits = logits.float() / max(temperature, 1e-5)
    if top_k and 0 < top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and top_p < 1.0:
        ordered, order = torch.sort(logits, descending=True, dim=-1)
        probs = torch.softmax(ordered, dim=-1)
        drop = probs.cumsum(-1) - probs > top_p  # keep the smallest head whose mass reaches top_p
        logits = logits.scatter(-1, order, ordered.masked_fill(drop, float("-inf")))
    return logits


@torch.no_grad()
def sample_group(model, prompt: list[int], n: int, max_new: int, eos: set[int], temperature: float,
                 top_k: int | None, top_p: float | None, device) -> list[list[int]]:
    """n sampled answers to one prompt: one prefill, its cache repeated n times, then batched decoding."""
    from transformers import DynamicCache

    cache = DynamicCache()
    out = model(input_ids=torch.tensor([prompt], device=device), past_key_values=cache, use_cache=True,
                logits_to_keep=1)
    cache = out.past_key_values
    cache.batch_repeat_interleave(n)
    logits = out.logits[:, -1, :].expand(n, -1)
    answers: list[list[int]] = [[] for _ in range(n)]
    live = torch.ones(n, dtype=torch.bool, device=device)
    eos_ids = torch.tensor(sorted(eos), device=device)
    for step in range(max_new):
        nxt = torch.multinomial(torch.softmax(_filter(logits, temperature, top_k, top_p), -1), 1)
        for i in live.nonzero().flatten().tolist():
            answers[i].append(int(nxt[i]))
        live &= ~torch.isin(nxt.squeeze(1), eos_ids)
        if step == max_new - 1 or not bool(live.any()):
            break
        pos = torch.full((n, 1), len(prompt) + step, device=device)
        logits = model(input_ids=nxt, past_key_values=cache, use_cache=True, position_ids=pos).logits[:, -1, :]
    return answers


def generate(trainer, prompt_ids: list[list[int]]) -> list[list[int]]:
    """Completions for trl's repeated prompt list, in its order (copies of a prompt are grouped for one prefill)."""
    from trl.models import unwrap_model_for_generation

    groups: dict[tuple, list[int]] = {}
    for i, ids in enumerate(prompt_ids):
        groups.setdefault(tuple(ids), []).append(i)
    out: list[list[int] | None] = [None] * len(prompt_ids)
    with unwrap_model_for_generation(trainer.model_wrapped, trainer.accelerator,
                                     gradient_checkpointing_kwargs=trainer.args.gradient_checkpointing_kwargs) as model:
        for ids, where in groups.items():
            answers = sample_group(model, list(ids), len(where), trainer.max_completion_length,
                                   set(trainer.eos_token_ids), trainer.temperature, trainer.top_k, trainer.top_p,
                                   trainer.accelerator.device)
            for i, ans in zip(where, answers):
                out[i] = ans
    return out  # type: ignore[return-value]
