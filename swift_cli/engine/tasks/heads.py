"""The model behind each encoder task type and the one number (or vector) it gives per text, shared by training,
`swift infer` and `swift deploy`:
- seq_cls / reranker: transformers' AutoModelForSequenceClassification (its head pools the last non-pad token);
- embedding: the bare transformer (AutoModel), the last valid token's hidden state, L2-normalised (ms-swift's
  pooling for decoder LLMs, swift/model/patcher.py);
- generative_reranker: the causal LM; score = logit("yes") - logit("no") at the last token (ms-swift's
  get_generative_reranker_logits; GENERATIVE_RERANKER_POSITIVE_TOKEN / _NEGATIVE_TOKEN rename them)."""
from __future__ import annotations

import os
from pathlib import Path

PEFT_TASK = {"seq_cls": "SEQ_CLS", "reranker": "SEQ_CLS", "embedding": None, "generative_reranker": "CAUSAL_LM"}


def render(tokenizer, conversation: list[dict]) -> str:
    """A conversation as the model reads it: its chat template, or the contents joined without one."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(conversation, tokenize=False)
    return "\n".join(turn["content"] for turn in conversation)


def load(model_dir: Path, rule, dtype, device: str, pad_token_id: int | None):
    """The task's model on `device`, its new head (if any) initialised by transformers."""
    import transformers

    transformers.logging.set_verbosity_error()  # "newly initialised score weights" is the point here
    kind = rule.task_type
    if kind in ("seq_cls", "reranker"):
        kw = {"problem_type": rule.problem_type} if rule.problem_type else {}
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            model_dir, num_labels=rule.num_labels, dtype=dtype, **kw)
        model.config.pad_token_id = pad_token_id  # the head pools the last non-pad token
    elif kind == "embedding":
        model = transformers.AutoModel.from_pretrained(model_dir, dtype=dtype)
    else:
        model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype)
    model.config.use_cache = False
    return model.to(device)


def yes_no_ids(tokenizer) -> tuple[int, int]:
    """The token ids compared by the generative reranker (a word the vocabulary lacks: its first piece)."""
    ids = []
    for var, word in (("GENERATIVE_RERANKER_POSITIVE_TOKEN", "yes"), ("GENERATIVE_RERANKER_NEGATIVE_TOKEN", "no")):
        token = os.environ.get(var, word)
        tid = tokenizer.convert_tokens_to_ids(token)
        if tid is None or tid == tokenizer.unk_token_id:
            tid = tokenizer(token, add_special_tokens=False)["input_ids"][0]
        ids.append(tid)
    return ids[0], ids[1]


def batch(tokenizer, texts: list[str], max_length: int, left: bool = False) -> dict:
    """Padded token ids and attention mask (left-padded where the last position must be the last token)."""
    tokenizer.padding_side = "left" if left else "right"
    return tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=max_length,
                     add_special_tokens=False)


def forward(model, kind: str, enc: dict, yes_no: tuple[int, int] | None = None):
    """seq_cls: logits [n, labels]; reranker / generative_reranker: scores [n]; embedding: unit vectors [n, d]."""
    import torch
    import torch.nn.functional as F

    ids, mask = enc["input_ids"], enc["attention_mask"]
    if kind == "embedding":
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        last = mask.sum(dim=1) - 1  # right padding: the last valid token
        pooled = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        return F.normalize(pooled.float(), p=2, dim=-1)
    if kind == "generative_reranker":  # left padding: the last position is every row's last token
        logits = model(input_ids=ids, attention_mask=mask, logits_to_keep=1).logits[:, -1, :].float()
        return logits[:, yes_no[0]] - logits[:, yes_no[1]]
    logits = model(input_ids=ids, attention_mask=mask).logits.float()
    return logits[:, 0] if kind == "reranker" else logits
