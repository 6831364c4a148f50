"""Tokenize conversations with the chat template; the loss sees only assistant tokens.

The assistant spans are found by rendering the conversation turn by turn: for assistant turn k,
render(messages[:k], add_generation_prompt=True) is the prompt and render(messages[:k+1]) the prompt
plus the answer, so the answer's text is the difference. This works for any template, with or
without `{% generation %}` tags; a template for which the renders are not prefixes of each other
(e.g. one that rewrites earlier turns) is refused with a message naming it.

Truncation policy (--truncation_strategy): rows longer than --max_length are dropped (`delete`,
ms-swift's default), cut from the start (`left`, keeps the latest turns), from the end (`right`), or cut into
max_length pieces that each become a row (`split`, for pre-training text; as in ms-swift, each piece's first token
is not a label). A row whose answer tokens would all be cut is dropped whatever the policy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from swift_cli.errors import UsageError

IGNORE = -100


@dataclass
class Encoded:
    input_ids: list[int]
    labels: list[int]


def _render(tokenizer, messages, generation_prompt: bool, chat_kwargs: dict | None = None) -> str:
    if not messages:
        return ""
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt,
                                         **(chat_kwargs or {}))


def _tokens(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"] if text else []


LOSS_BASES = ("default", "last_round", "all")  # ms-swift's --loss_scale strategies, optionally + ignore_empty_think
EMPTY_THINK = re.compile(r"^<think>\s*</think>\s*")


def _answer_labels(tokenizer, answer_text: str, loss_scale: str, pieces=None) -> tuple[list[int], list[int]]:
    """(tokens, labels) of one assistant answer; `ignore_empty_think` leaves an empty <think></think> unlabelled;
    `pieces` ((text, labelled) making up the message's content, engine/data/agent.py) unlabel parts of it."""
    content = "".join(text for text, _ in pieces or ())
    at = answer_text.find(content) if content else -1
    if at >= 0:
        ids, labels = _answer_labels(tokenizer, answer_text[:at], loss_scale)
        for text, labelled in [*pieces, (answer_text[at + len(content):], True)]:
            toks = _tokens(tokenizer, text)
            ids, labels = ids + toks, labels + (toks if labelled else [IGNORE] * len(toks))
        return ids, labels
    empty = EMPTY_THINK.match(answer_text) if "ignore_empty_think" in loss_scale.split("+") else None
    if not empty:
        answer = _tokens(tokenizer, answer_text)
        return answer, list(answer)
    head, rest = _tokens(tokenizer, empty.group(0)), _tokens(tokenizer, answer_text[empty.end():])
    return head + rest, [IGNORE] * len(head) + rest


def encode_messages(tokenizer, messages: list[dict], loss_scale: str = "default",
                    chat_kwargs: dict | None = None) -> Encoded:
    """Token ids and labels for one conversation. ms-swift's --loss_scale: `default` labels every assistant answer,
    `last_round` only the last one, `all` every token; `+ignore_empty_think` (or alone) leaves an empty
    <think></think> block unlabelled. `chat_kwargs` go to every render (tools=...)."""
    pieces = [m.get("pieces") for m in messages]
    messages = [{k: v for k, v in m.items() if k != "pieces"} for m in messages]
    base = loss_scale.split("+")[0] if loss_scale.split("+")[0] in LOSS_BASES else "default"
    ids: list[int] = []
    labels: list[int] = []
    done = ""
    last = max((k for k, m in enumerate(messages) if m["role"] == "assistant"), default=-1)
    for k, msg in enumerate(messages):
        if msg["role"] != "assistant":
            continue
        prompt = _render(tokenizer, messages[:k], True, chat_kwargs)
        full = _render(tokenizer, messages[: k + 1], False, chat_kwargs)
        if not (prompt.startswith(done) and full.startswith(prompt)):
            raise UsageError("the chat template re-renders earlier turns differently as the conversation grows, so "
                             "assistant tokens cannot be located; pass --template chatml (or another) to override")
        head = _tokens(tokenizer, prompt[len(done):])
        answer, answer_labels = _answer_labels(tokenizer, full[len(prompt):], loss_scale, pieces[k])
        if base == "last_round" and k != last:
            answer_labels = [IGNORE] * len(answer)
        ids += head + answer
        labels += (list(head) if base == "all" else [IGNORE] * len(head)) + answer_labels
        done = full
    return Encoded(ids, labels)


def truncate(enc: Encoded, max_length: int, strategy: str) -> Encoded | None:
    """Apply the truncation policy; None when the row must be dropped."""
    if len(enc.input_ids) > max_length:
        if strategy == "delete":
            return None
        cut = slice(-max_length, None) if strategy == "left" else slice(0, max_length)
        enc = Encoded(enc.input_ids[cut], enc.labels[cut])
    if all(label == IGNORE for label in enc.labels):
        return None
    return enc


def split_rows(enc: Encoded, max_length: int) -> list[Encoded]:
    """`split`: consecutive max_length pieces of a row; a piece's first token has no label (it has no context)."""
    if len(enc.input_ids) <= max_length:
        return [enc]
    pieces = []
    for start in range(0, len(enc.input_ids), max_length):
        labels = [IGNORE, *enc.labels[start + 1:start + max_length]]
        if any(label != IGNORE for label in labels):
            pieces.append(Encoded(enc.input_ids[start:start + max_length], labels))
    return pieces


def encode_text(tokenizer, text: str) -> Encoded:
    """Pre-training: every token is a label; the eos token closes the document."""
    ids = _tokens(tokenizer, text)
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    return Encoded(ids, list(ids))


def prompt_ids(tokenizer, messages: list[dict], chat_kwargs: dict | None = None) -> list[int]:
    """Tokens of a conversation up to the assistant's turn (for generation)."""
    return _tokens(tokenizer, _render(tokenizer, messages, True, chat_kwargs))
