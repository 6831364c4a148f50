"""Detect a row's format and turn it into OpenAI-style messages (sft) or text (pt).

Formats, detected per row: OpenAI `messages`; ShareGPT `conversations` (from/value); Alpaca
`instruction`/`input`/`output` (+`system`, `history`); ms-swift `query`/`response` (+`history`);
TRL `prompt`/`completion`. For pt: `text` (or `content`), or any of the above flattened.
"""
from __future__ import annotations

import json
from typing import Any

Messages = list[dict[str, str]]

ROLE_ALIASES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "bot": "assistant",
                "model": "assistant", "system": "system", "tool": "tool", "observation": "tool",
                # ms-swift's agent rows (engine/data/agent.py): calls and the tools' answers
                "tool_call": "tool_call", "function_call": "tool_call", "tool_response": "tool",
                "function_response": "tool", "observations": "tool"}
AGENT_ROLES = ("tool_call", "tool")
SFT_FORMATS = "messages | conversations (from/value) | instruction/output | query/response | prompt/completion"


class RowError(ValueError):
    """Why one row cannot be used (without its location; the caller adds file:line)."""


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise RowError(f"{what} must be a string, got {type(value).__name__}")
    return value


def _openai_calls(turn: dict, where: str) -> Messages:
    """An OpenAI assistant turn with `tool_calls`: its text (if any), then one tool_call turn per call."""
    out = [{"role": "assistant", "content": _text(turn["content"], f"{where}.content")}] if turn.get("content") else []
    for k, call in enumerate(turn["tool_calls"] if isinstance(turn["tool_calls"], list) else []):
        fn = call.get("function", call) if isinstance(call, dict) else None
        if not isinstance(fn, dict) or "name" not in fn:
            raise RowError(f"{where}.tool_calls[{k}] has no function name")
        out.append({"role": "tool_call", "content": json.dumps({"name": fn["name"], "arguments": fn.get(
            "arguments", {})}, ensure_ascii=False)})
    return out


def _content(turn: dict, role: str, key: str, where: str) -> str:
    """A turn's text; a tool call or tool answer may be given as a JSON object (kept as its JSON text)."""
    value = turn[key]
    if role in AGENT_ROLES and isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return _text(value, where)


def _turns(items: Any, field: str, role_key: str, content_key: str) -> Messages:
    if not isinstance(items, list) or not items:
        raise RowError(f"'{field}' must be a non-empty list of turns")
    out: Messages = []
    for i, turn in enumerate(items):
        if not isinstance(turn, dict):
            raise RowError(f"{field}[{i}] must be an object with '{role_key}' and '{content_key}'")
        if turn.get("tool_calls") and ROLE_ALIASES.get(str(turn.get(role_key, "")).lower()) == "assistant":
            out += _openai_calls(turn, f"{field}[{i}]")
            continue
        if content_key not in turn:
            found = ", ".join(repr(k) for k in turn if k != role_key) or "nothing"
            raise RowError(f"{field}[{i}] has no '{content_key}' (found {found})")
        role = ROLE_ALIASES.get(str(turn.get(role_key, "")).lower())
        if role is None:
            raise RowError(f"{field}[{i}] has unknown {role_key} {turn.get(role_key)!r}")
        out.append({"role": role, "content": _content(turn, role, content_key, f"{field}[{i}].{content_key}")})
    return out


def _history(history: Any) -> Messages:
    out: Messages = []
    for i, pair in enumerate(history or []):
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            raise RowError(f"history[{i}] must be a [query, response] pair")
        out += [{"role": "user", "content": _text(pair[0], f"history[{i}][0]")},
                {"role": "assistant", "content": _text(pair[1], f"history[{i}][1]")}]
    return out


def _prompt_completion(row: dict) -> Messages:
    prompt, completion = row["prompt"], row["completion"]
    head = _turns(prompt, "prompt", "role", "content") if isinstance(prompt, list) else \
        [{"role": "user", "content": _text(prompt, "prompt")}]
    tail = _turns(completion, "completion", "role", "content") if isinstance(completion, list) else \
        [{"role": "assistant", "content": _text(completion, "completion")}]
    return head + tail


def to_messages(row: Any) -> Messages:
    """Normalise one raw row to messages ending with an assistant turn; raises RowError."""
    if not isinstance(row, dict):
        raise RowError(f"a row must be a JSON object, got {type(row).__name__}")
    if "messages" in row:
        msgs = _turns(row["messages"], "messages", "role", "content")
    elif "conversations" in row:
        convo = row["conversations"]
        keys = ("from", "value") if convo and isinstance(convo[0], dict) and "from" in convo[0] else ("role", "content")
        msgs = _turns(convo, "conversations", *keys)
    elif "instruction" in row or "output" in row:
        for key in ("instruction", "output"):
            if key not in row:
                raise RowError(f"Alpaca row without '{key}'")
        query = _text(row["instruction"], "instruction")
        if row.get("input"):
            query = f"{query}\n{_text(row['input'], 'input')}"
        msgs = _history(row.get("history")) + [{"role": "user", "content": query},
                                                {"role": "assistant", "content": _text(row["output"], "output")}]
    elif "query" in row or "response" in row:
        for key in ("query", "response"):
            if key not in row:
                raise RowError(f"query/response row without '{key}'")
        msgs = _history(row.get("history")) + [{"role": "user", "content": _text(row["query"], "query")},
                                                {"role": "assistant", "content": _text(row["response"], "response")}]
    elif "prompt" in row and "completion" in row:
        msgs = _prompt_completion(row)
    else:
        keys = ", ".join(repr(k) for k in row) or "none"
        hint = "; raw text trains with `swift pt`" if {"text", "content"} & set(row) else ""
        raise RowError(f"no known format (keys: {keys}); expected {SFT_FORMATS}{hint}")
    system = row.get("system")
    if system and msgs[0]["role"] != "system":
        msgs = [{"role": "system", "content": _text(system, "system")}] + msgs
    return _check(msgs)


def _check(msgs: Messages) -> Messages:
    if not any(m["role"] in ("assistant", "tool_call") for m in msgs):
        raise RowError("no assistant turn to learn from")
    if msgs[-1]["role"] not in ("assistant", "tool_call"):
        raise RowError(f"last turn is {msgs[-1]['role']!r}; a training row must end with the assistant's answer")
    for i, m in enumerate(msgs):
        if m["role"] == "assistant" and not m["content"].strip():
            raise RowError(f"turn {i} (assistant) is empty")
        if m["role"] == "system" and i != 0:
            raise RowError(f"turn {i} is a system message; only the first turn may be system")
    if not any(m["role"] == "user" and m["content"].strip() for m in msgs):
        raise RowError("no non-empty user turn")
    return msgs


def to_text(row: Any) -> str:
    """One raw row as pre-training text: `text`/`content`, else a conversation's contents joined."""
    if isinstance(row, dict):
        for key in ("text", "content"):
            if key in row:
                text = _text(row[key], key)
                if not text.strip():
                    raise RowError(f"'{key}' is empty")
                return text
    try:
        return "\n".join(m["content"] for m in to_messages(row))
    except RowError:
        keys = ", ".join(repr(k) for k in row) if isinstance(row, dict) else type(row).__name__
        raise RowError(f"no 'text' field (keys: {keys})") from None
