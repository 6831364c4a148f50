"""GRPO's log-probabilities with each prompt computed once for all its generations. trl scores every row
(prompt + completion) separately, so a prompt sampled num_generations times goes through the model that many
times, in the policy's forward and backward and in the reference forward. Here the rows of one prompt share a
single forward of the prompt (with gradients), whose KV cache is repeated for the rows; the completions then run
through the model from that cache. The scores are trl's (its fused LM head, same labels), and the gradient is the
same sum over rows: the prompt's part arrives once, summed over its rows.

Used where it is exact: text-only rows, no MoE auxiliary loss, no gradient checkpointing (its recomputation does
not keep a cache), no DeepSpeed/FSDP, and no active dropout (LoRA's lora_dropout included): with dropout, one
shared prompt forward would draw one mask for all the prompt's rows where trl draws one per row, a different
estimate (on the tiny model's format task, lora_dropout 0.05, the reward dipped and KL reached 0.31 against 0.07).
Elsewhere trl's own computation runs."""
from __future__ import annotations

import torch


def supported(trainer) -> bool:
    return (not trainer.args.gradient_checkpointing and not trainer.is_deepspeed_enabled
            and not trainer.is_fsdp_enabled and not getattr(trainer, "_is_vlm", False)
            and not _has_dropout(trainer.model))


def _has_dropout(model) -> bool:
    """A dropout module with p > 0, or attention dropout in the config (applied functionally in the attention)."""
    config = getattr(model, "config", None)
    return (any(isinstance(m, torch.nn.Dropout) and m.p > 0 for m in model.modules())
            or float(getattr(config, "attention_dropout", 0.0) or 0.0) > 0)


def _groups(prompt_ids: torch.Tensor, prompt_mask: torch.Tensor) -> dict[tuple, list[int]]:
    groups: dict[tuple, list[int]] = {}
    for row in range(prompt_ids.size(0)):
        groups.setdefault(tuple(prompt_ids[row][prompt_mask[row].bool()].tolist()), []).append(row)
    return groups


def logps_and_entropies(trainer, model, input_ids, attention_mask, logits_to_keep: int, compute_entropy: bool):
    """(per-token log-probs, entropies or None) of the last logits_to_keep tokens of each row, as trl returns them."""
    from transformers import DynamicCache

    width = input_ids.size(1) - logits_to_keep
    completion, completion_mask = input_ids[:, width:], attention_mask[:, width:]
    logps = torch.zeros(input_ids.size(0), logits_to_keep, device=input_ids.device)
    entropies = torch.zeros_like(logps) if compute_entropy else None
    parts = []
    for prompt, rows in _groups(input_ids[:, :width], attention_mask[:, :width]).items():
        n, index = len(rows), torch.tensor(rows, device=input_ids.device)
        cache = DynamicCache()
        with trainer.accelerator.autocast():
            if len(prompt) > 1:
                model(input_ids=torch.tensor([prompt[:-1]], device=input_ids.device), past_key_values=cache,
                      use_cache=True, logits_to_keep=1)
                cache.batch_repeat_interleave(n)
            segment = torch.cat([torch.full((n, 1), prompt[-1], device=input_ids.device), completion[index]], 1)
            labels = segment.masked_fill(torch.cat([torch.ones_like(segment[:, :1]), completion_mask[index]], 1) == 0,
                                         -100)
            positions = torch.arange(len(prompt) - 1, len(prompt) - 1 + segment.size(1), device=input_ids.device)
            out = model(input_ids=segment, past_key_values=cache if len(prompt) > 1 else None,
                        position_ids=positions.expand(n, -1), labels=labels, fused_lm_head=True)
        parts.append((index, out.log_probs, out.entropy if compute_entropy else None))
    logps = logps.index_put((torch.cat([p[0] for p in parts]),), torch.cat([p[1] for p in parts]))
    if compute_entropy:
        entropies = entropies.index_put((torch.cat([p[0] for p in parts]),), torch.cat([p[2] for p in parts]))
    return logps, entropies
