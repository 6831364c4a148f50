"""A transformers Trainer for the encoder task types: the rows are rendered and tokenised per batch, the loss is
the task's (engine/tasks/losses.py; seq_cls: the classifier's own loss for its problem_type)."""
from __future__ import annotations

import os
import random
from pathlib import Path

from swift_cli.engine.tasks import heads, losses


class Collator:
    """TaskRows -> one padded batch of every text the rows need, with how to split it back."""

    def __init__(self, tokenizer, rule, max_length: int, seed: int):
        self.tokenizer, self.rule, self.max_length = tokenizer, rule, max_length
        self.rng = random.Random(seed)
        self.max_pos = int(os.environ.get("MAX_POSITIVE_SAMPLES", "1"))  # ms-swift's reranker defaults
        self.max_neg = int(os.environ.get("MAX_NEGATIVE_SAMPLES", "7"))

    def _take(self, items: list, count: int) -> list:
        return items if len(items) <= count else self.rng.sample(items, count)

    def __call__(self, rows) -> dict:
        import torch

        kind, render = self.rule.task_type, lambda c: heads.render(self.tokenizer, c)
        if kind == "seq_cls":
            texts = [render(r.anchor) for r in rows]
            dtype = torch.long if self.rule.problem_type == "single_label_classification" else torch.float
            labels = torch.tensor([r.label for r in rows], dtype=dtype)
            return {**self._encode(texts), "labels": labels}
        if kind == "embedding":
            negatives = [(i, n) for i, r in enumerate(rows) for n in r.negatives]
            texts = [render(r.anchor) for r in rows] + [render(r.positives[0]) for r in rows] + \
                [render(n) for _, n in negatives]
            labels = torch.tensor([float(r.label) if r.label is not None else 1.0 for r in rows])
            return {**self._encode(texts), "labels": labels, "owners": [i for i, _ in negatives]}
        texts, labels, groups = [], [], []
        for r in rows:  # each positive with its own sample of negatives: one group
            for pos in self._take(r.positives, self.max_pos):
                docs = [pos] + self._take(r.negatives, self.max_neg)
                texts += [render(r.anchor + d) for d in docs]
                labels += [1.0] + [0.0] * (len(docs) - 1)
                groups.append(len(docs))
        return {**self._encode(texts), "labels": torch.tensor(labels), "groups": groups}

    def _encode(self, texts: list[str]) -> dict:
        enc = heads.batch(self.tokenizer, texts, self.max_length, left=self.rule.task_type == "generative_reranker")
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


def task_loss(model, rule, inputs: dict, yes_no):
    """The batch's loss for the task."""
    kind = rule.task_type
    if kind == "seq_cls":
        return model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"],
                     labels=inputs["labels"]).loss
    out = heads.forward(model, kind, inputs, yes_no)
    if kind == "embedding":
        n = inputs["labels"].shape[0]
        return losses.embedding_loss(rule.loss_type, out[:n], out[n:2 * n], out[2 * n:], inputs["owners"],
                                     inputs["labels"])
    if rule.loss_type == "listwise_reranker":
        return losses.listwise(out, inputs["groups"])
    return losses.pointwise(out, inputs["labels"])


def build(cfg, rule, loaded, rows: list, val: list, run_dir: Path):
    """The Trainer over the task's rows; LoRA through peft (seq_cls / reranker heads saved with the adapter)."""
    from transformers import Trainer, TrainingArguments

    from swift_cli.engine import models, train

    train.prepare_device(loaded.device)
    model = heads.load(loaded.model_dir, rule, loaded.dtype, loaded.device, loaded.tokenizer.pad_token_id)
    peft_config = train.lora_config(cfg, task_type=heads.PEFT_TASK[rule.task_type])
    if cfg.model.adapters:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, next(iter(models.parse_adapters(cfg.model.adapters).values())),
                                          is_trainable=True)
    elif peft_config is not None:
        from peft import get_peft_model

        if cfg.train.gradient_checkpointing:
            model.enable_input_require_grads()
        model = get_peft_model(model, peft_config)
    kwargs = train.trainer_kwargs(cfg, run_dir, loaded.dtype, loaded.device, bool(val))
    kwargs.update(label_names=["labels"], prediction_loss_only=True)
    args = TrainingArguments(**kwargs)
    yes_no = heads.yes_no_ids(loaded.tokenizer) if rule.task_type == "generative_reranker" else None

    class TaskTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            loss = task_loss(model, rule, inputs, yes_no)
            return (loss, {}) if return_outputs else loss

    collator = Collator(loaded.tokenizer, rule, cfg.data.max_length, cfg.train.seed)
    return TaskTrainer(model=model, args=args, train_dataset=rows, eval_dataset=val or None, data_collator=collator,
                       processing_class=loaded.tokenizer)
