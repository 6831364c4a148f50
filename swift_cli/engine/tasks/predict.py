"""A trained (or base) model of an encoder task type, loaded for `swift infer` and `swift deploy`: classify,
embed, score (query, document) pairs. The task comes from the flags, else the run's args.json, else config.json
(a *ForSequenceClassification head means seq_cls)."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from swift_cli.engine import models
from swift_cli.engine.tasks import heads
from swift_cli.errors import UsageError
from swift_cli.options.tasks import TaskRule, problems, resolve


def rule_for(model_args, task_args, model_dir: Path | None = None) -> TaskRule:
    """Flags first, then the checkpoint's run args.json, then its config.json."""
    adapters = models.parse_adapters(model_args.adapters)
    where = next(iter(adapters.values())) if adapters else Path(model_args.model or ".")
    saved = models.run_args_for(where) if where.exists() else {}
    given = {k: getattr(task_args, k) for k in ("task_type", "num_labels", "problem_type")}
    for key in given:
        if given[key] is None and saved.get(key) is not None:
            given[key] = saved[key]
    if given["task_type"] is None and model_dir is not None and (model_dir / "config.json").is_file():
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        if any(a.endswith("ForSequenceClassification") for a in config.get("architectures") or []):
            given.update(task_type="seq_cls", num_labels=given["num_labels"] or len(config.get("id2label") or {}) or 2,
                         problem_type=given["problem_type"] or config.get("problem_type"))
    args = type(task_args)(**given)
    if bad := problems(args, training=False):
        raise UsageError(bad[0])
    return resolve(args, saved.get("loss_type"))


@dataclass
class TaskModel:
    model: object
    tokenizer: object
    device: str
    rule: TaskRule
    max_length: int
    yes_no: tuple[int, int] | None = None

    def _run(self, texts: list[str], batch_size: int = 16):
        import torch

        out = []
        left = self.rule.task_type == "generative_reranker"
        for i in range(0, len(texts), batch_size):
            enc = heads.batch(self.tokenizer, texts[i:i + batch_size], self.max_length, left=left).to(self.device)
            with torch.no_grad():
                out.append(heads.forward(self.model, self.rule.task_type, enc, self.yes_no).cpu())
        return torch.cat(out)

    def classify(self, conversations: list[list[dict]]) -> list[dict]:
        """seq_cls: per conversation the label (class id, number, or list of ids) and the probabilities."""
        import torch

        logits = self._run([heads.render(self.tokenizer, c) for c in conversations])
        problem = self.rule.problem_type
        if problem == "regression":
            return [{"label": round(float(v), 6)} for v in logits[:, 0]]
        if problem == "multi_label_classification":
            probs = torch.sigmoid(logits)
            return [{"label": [i for i, p in enumerate(row) if p >= 0.5], "probs": [round(float(p), 6) for p in row]}
                    for row in probs]
        probs = torch.softmax(logits, dim=-1)
        return [{"label": int(row.argmax()), "probs": [round(float(p), 6) for p in row]} for row in probs]

    def embed(self, conversations: list[list[dict]]):
        """embedding: unit vectors, one row per conversation."""
        return self._run([heads.render(self.tokenizer, c) for c in conversations])

    def scores(self, query: list[dict], documents: list[list[dict]], activation: bool = True) -> list[float]:
        """rerankers: one relevance per document (sigmoid of the logit unless activation is off, as ms-swift's
        --reranker_use_activation)."""
        import torch

        raw = self._run([heads.render(self.tokenizer, query + d) for d in documents])
        return (torch.sigmoid(raw) if activation else raw).tolist()


def load(model_args, task_args, use_cpu: bool = False, max_length: int = 2048) -> TaskModel:
    """The task model with its adapter (if any) merged in."""
    from swift_cli.engine.generate import resolve_for_inference

    model, template, _, dtype_name = resolve_for_inference(model_args)
    model_dir = models.resolve_model_dir(model, use_hf=model_args.use_hf, revision=model_args.revision,
                                         token=model_args.hub_token)
    rule = rule_for(model_args, task_args, model_dir)
    if rule.task_type == "causal_lm":
        raise UsageError("--task_type causal_lm generates text: swift infer without --task_type answers with it")
    if rule.task_type == "seq_cls" and rule.num_labels is None:
        raise UsageError("--task_type seq_cls needs --num_labels (or a checkpoint whose args.json has it)")
    device = models.pick_device(use_cpu)
    tokenizer = models.load_tokenizer(model_dir, template)
    net = heads.load(model_dir, rule, models.pick_dtype(dtype_name, device), device, tokenizer.pad_token_id)
    adapters = models.parse_adapters(model_args.adapters)
    if len(adapters) > 1:
        raise UsageError("--adapters: a task model takes one adapter")
    if adapters:
        from peft import PeftModel

        net = PeftModel.from_pretrained(net, next(iter(adapters.values()))).merge_and_unload()
    yes_no = heads.yes_no_ids(tokenizer) if rule.task_type == "generative_reranker" else None
    return TaskModel(net.eval(), tokenizer, device, replace(rule), max_length, yes_no)
