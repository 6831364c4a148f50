"""Held-out preference checks: mean log-probability margin (chosen − rejected) under a model."""
from __future__ import annotations

from swift_cli.engine.data.encode import IGNORE, encode_messages


def sequence_logprob(model, tokenizer, prompt: list[dict], answer: str) -> float:
    """Sum of log-probabilities of the answer's tokens (and its end-of-turn) given the prompt."""
    import torch

    enc = encode_messages(tokenizer, prompt + [{"role": "assistant", "content": answer}])
    ids = torch.tensor([enc.input_ids], device=model.device)
    labels = torch.tensor([enc.labels], device=model.device)
    with torch.no_grad():
        logits = model(input_ids=ids).logits[:, :-1].float()
    target = labels[:, 1:]
    logp = torch.log_softmax(logits, dim=-1)
    mask = target != IGNORE
    picked = logp.gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return float((picked * mask).sum())


def mean_margin(model, tokenizer, pairs: list[dict]) -> float:
    """Mean over pairs of log p(chosen) − log p(rejected); pairs in TRL conversational form."""
    total = 0.0
    for p in pairs:
        total += sequence_logprob(model, tokenizer, p["prompt"], p["chosen"][-1]["content"])
        total -= sequence_logprob(model, tokenizer, p["prompt"], p["rejected"][-1]["content"])
    return total / max(len(pairs), 1)
