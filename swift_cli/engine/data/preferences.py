"""Preference rows for DPO/ORPO/CPO/SimPO (paired) and KTO (unpaired), detected per row.

Paired formats: ms-swift (`messages` ending with the chosen answer + `rejected_response`); TRL
(`prompt`/`chosen`/`rejected` as strings or message lists); ShareGPT-style (`conversations` +
`chosen`/`rejected` turns with from/value). Unpaired (KTO): `messages` or `prompt`/`completion`
with a boolean `label`. Everything becomes TRL's conversational form.
"""
from __future__ import annotations

from swift_cli.engine.data.formats import RowError, _text, _turns, to_messages

TRUE_LABELS = {True, 1, "true", "True", "1"}
FALSE_LABELS = {False, 0, "false", "False", "0"}


def _answer(value, what: str) -> str:
    """An answer given as a string, one message, or a list ending with the assistant's message."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("content", "value"):
            if key in value:
                return _text(value[key], f"{what}.{key}")
        raise RowError(f"'{what}' has no 'content'")
    if isinstance(value, list) and value and isinstance(value[-1], dict):
        return _answer(value[-1], what)
    raise RowError(f"'{what}' must be a string or assistant message(s)")


def _prompt(value) -> list[dict]:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    return _turns(value, "prompt", "role", "content")


def _check_prompt(prompt: list[dict]) -> list[dict]:
    if not any(m["role"] == "user" and m["content"].strip() for m in prompt):
        raise RowError("empty prompt")
    return prompt


def to_pair(row) -> dict:
    """{prompt, chosen, rejected} in TRL's conversational form; raises RowError."""
    if not isinstance(row, dict):
        raise RowError(f"a row must be a JSON object, got {type(row).__name__}")
    if "rejected_response" in row or ("messages" in row and "chosen" not in row):
        if "rejected_response" not in row:
            raise RowError("ms-swift preference row without 'rejected_response'")
        msgs = to_messages({k: v for k, v in row.items() if k != "rejected_response"})
        prompt, chosen, rejected = msgs[:-1], msgs[-1]["content"], _text(row["rejected_response"], "rejected_response")
    elif "conversations" in row:
        for key in ("chosen", "rejected"):
            if key not in row:
                raise RowError(f"ShareGPT preference row without '{key}'")
        keys = ("from", "value") if row["conversations"] and "from" in row["conversations"][0] else ("role", "content")
        prompt = _turns(row["conversations"], "conversations", *keys)
        chosen, rejected = _answer(row["chosen"], "chosen"), _answer(row["rejected"], "rejected")
    elif "chosen" in row or "rejected" in row or "prompt" in row:
        for key in ("prompt", "chosen", "rejected"):
            if key not in row:
                raise RowError(f"preference row without '{key}'")
        prompt = _prompt(row["prompt"])
        chosen, rejected = _answer(row["chosen"], "chosen"), _answer(row["rejected"], "rejected")
    else:
        keys = ", ".join(repr(k) for k in row) or "none"
        raise RowError(f"no preference format (keys: {keys}); expected prompt/chosen/rejected, "
                       "messages + rejected_response, or conversations + chosen/rejected")
    if not chosen.strip() or not rejected.strip():
        raise RowError("empty chosen or rejected answer")
    if chosen.strip() == rejected.strip():
        raise RowError("chosen and rejected answers are identical")
    return {"prompt": _check_prompt(prompt), "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}]}


def to_unpaired(row) -> dict:
    """{prompt, completion, label} for KTO; paired rows give one desirable and one undesirable example."""
    if not isinstance(row, dict):
        raise RowError(f"a row must be a JSON object, got {type(row).__name__}")
    if "label" not in row:
        raise RowError("KTO row without a boolean 'label'")
    label = row["label"]
    if label not in TRUE_LABELS and label not in FALSE_LABELS:
        raise RowError(f"'label' must be true or false, got {label!r}")
    if "messages" in row:
        msgs = to_messages({k: v for k, v in row.items() if k != "label"})
        prompt, completion = msgs[:-1], msgs[-1]["content"]
    elif "prompt" in row and "completion" in row:
        prompt, completion = _prompt(row["prompt"]), _answer(row["completion"], "completion")
    else:
        raise RowError("KTO row needs 'messages' or 'prompt'/'completion', plus 'label'")
    if not completion.strip():
        raise RowError("empty completion")
    return {"prompt": _check_prompt(prompt), "completion": [{"role": "assistant", "content": completion}],
            "label": label in TRUE_LABELS}


def pairs_to_unpaired(pair: dict) -> list[dict]:
    """A paired row as two KTO examples (chosen desirable, rejected undesirable)."""
    return [{"prompt": pair["prompt"], "completion": pair["chosen"], "label": True},
            {"prompt": pair["prompt"], "completion": pair["rejected"], "label": False}]


def with_system(prompt: list[dict], system: str | None) -> list[dict]:
    if system and prompt[0]["role"] != "system":
        return [{"role": "system", "content": system}] + prompt
    return prompt
