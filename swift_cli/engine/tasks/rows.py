"""Dataset rows of the encoder task types, as ms-swift takes them (docs/source_en/BestPractices/Embedding.md,
Reranker.md; seq_cls: a conversation plus `label`), into plain conversations ready to render:

- seq_cls: `messages` (or `conversations`, `query`[/`response`], `text`/`sentence`) + `label` (an int class, a
  number for regression, a list of class ids for multi-label);
- embedding: anchor `messages`, `positive_messages` [[...]] (one), `negative_messages` [[...], ...], optional
  `label` (pair losses); or sentence-transformers' `anchor`/`positive`/`negative` strings;
- reranker: query `messages`, `positive_messages` / `negative_messages` (documents); or MTEB's `query` with
  `positive` / `negative` lists of strings."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from swift_cli.engine.data.formats import RowError, to_messages

Conversation = list[dict]


@dataclass
class TaskRow:
    where: str
    anchor: Conversation  # seq_cls: the text; embedding: the anchor; reranker: the query
    positives: list[Conversation] = field(default_factory=list)
    negatives: list[Conversation] = field(default_factory=list)
    label: Any = None


def _user(text: Any, what: str) -> Conversation:
    if not isinstance(text, str) or not text.strip():
        raise RowError(f"'{what}' must be a non-empty string")
    return [{"role": "user", "content": text}]


def _conversation(value: Any, what: str) -> Conversation:
    if isinstance(value, str):
        return _user(value, what)
    if not isinstance(value, list) or not value or not all(isinstance(t, dict) for t in value):
        raise RowError(f"'{what}' must be a list of {{role, content}} turns")
    out = []
    for i, turn in enumerate(value):
        if not isinstance(turn.get("content"), str) or turn.get("role") not in ("system", "user", "assistant"):
            raise RowError(f"{what}[{i}] needs a role (system/user/assistant) and a string content")
        out.append({"role": turn["role"], "content": turn["content"]})
    return out


def _group(row: dict, key: str, plain: str, as_role: str) -> list[Conversation]:
    if key in row:
        value = row[key] or []
        if not isinstance(value, list):
            raise RowError(f"'{key}' must be a list of conversations ([[{{role, content}}], ...])")
        return [_conversation(v, f"{key}[{i}]") for i, v in enumerate(value)]
    value = row.get(plain)
    if value is None:
        return []
    texts = value if isinstance(value, list) else [value]
    return [[{"role": as_role, "content": t}] if isinstance(t, str) and t.strip() else _user(t, plain)
            for t in texts]


def _anchor(row: dict, names: tuple[str, ...]) -> Conversation:
    if "messages" in row:
        return _conversation(row["messages"], "messages")
    for name in names:
        if name in row:
            return _user(row[name], name)
    raise RowError(f"no anchor text: expected 'messages' or one of {', '.join(names)} (keys: {', '.join(row)})")


def seq_cls_row(row: dict, problem_type: str, num_labels: int) -> TaskRow:
    if "label" not in row:
        raise RowError("no 'label' (seq_cls rows carry the class, a number, or a list of classes)")
    if "messages" in row or "conversations" in row or ("query" in row and "response" in row):
        try:
            convo = to_messages(row)
        except RowError:
            convo = _conversation(row.get("messages"), "messages")
    else:
        convo = _anchor(row, ("query", "text", "sentence", "content"))
    return TaskRow("", convo, label=_label(row["label"], problem_type, num_labels))


def _label(value: Any, problem_type: str, num_labels: int):
    if problem_type == "regression":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RowError(f"label {value!r}: regression needs a number")
        return float(value)
    if problem_type == "multi_label_classification":
        ids = value if isinstance(value, list) else [value]
        if not all(isinstance(i, int) and 0 <= i < num_labels for i in ids):
            raise RowError(f"label {value!r}: multi-label rows need class ids in 0..{num_labels - 1}")
        return [1.0 if i in ids else 0.0 for i in range(num_labels)]
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < num_labels:
        raise RowError(f"label {value!r}: expected a class id in 0..{num_labels - 1} (--num_labels {num_labels})")
    return value


def embedding_row(row: dict, loss_type: str) -> TaskRow:
    anchor = _anchor(row, ("anchor", "query", "sentence1", "text"))
    positives = _group(row, "positive_messages", "positive", "user")
    negatives = _group(row, "negative_messages", "negative", "user")
    if not positives:
        raise RowError("no 'positive_messages' (embedding rows pair the anchor with one positive)")
    label = row.get("label")
    if loss_type != "infonce" and label is None:
        raise RowError(f"no 'label' (--loss_type {loss_type} fits each anchor/positive pair to its label)")
    return TaskRow("", anchor, positives[:1], negatives, label)


def reranker_row(row: dict) -> TaskRow:
    query = _anchor(row, ("query", "question"))
    positives = _group(row, "positive_messages", "positive", "assistant")
    negatives = _group(row, "negative_messages", "negative", "assistant")
    if not positives:
        raise RowError("no 'positive_messages' (reranker rows give the query's relevant documents)")
    return TaskRow("", query, positives, negatives)


def parse(raw: Any, where: str, rule) -> TaskRow:
    """One raw row for the task `rule` (options.tasks.TaskRule); raises RowError (the caller adds `where`)."""
    if not isinstance(raw, dict):
        raise RowError(f"a row must be a JSON object, got {type(raw).__name__}")
    if rule.task_type == "seq_cls":
        out = seq_cls_row(raw, rule.problem_type, rule.num_labels)
    elif rule.task_type == "embedding":
        out = embedding_row(raw, rule.loss_type)
    else:
        out = reranker_row(raw)
    out.where = where
    return out


def read(specs: list[str], rule, seed: int, use_hf: bool = False) -> tuple[list[TaskRow], list[str]]:
    """Every `--dataset` value's rows; problems as `file:line: reason`."""
    from swift_cli.engine.data.sources import load_rows

    items, problems = [], []
    for i, spec in enumerate(specs):
        for row in load_rows(spec, model_name=[], model_author=[], seed=seed + i, use_hf=use_hf, problems=problems):
            try:
                items.append(parse(row.data, row.where, rule))
            except RowError as exc:
                problems.append(f"{row.where}: {exc}")
    return items, problems
