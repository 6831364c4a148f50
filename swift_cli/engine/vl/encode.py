"""Tokenize image-text conversations: the project's turn-by-turn assistant masking, then each image placeholder
expanded to the number of tokens its image becomes. Image tokens and the prompt never enter the labels.

A row is rendered with the model's chat template from content parts (`{"type": "image"}` where a tag stood), so
the template places its own vision markers; engine.data.encode finds the assistant spans as for text rows; one
placeholder token per image is then repeated to the image's token count (Qwen2-VL family rule, see processor.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.engine.data.encode import IGNORE, encode_messages, prompt_ids
from swift_cli.engine.vl.rows import IMAGE_TAG, VLRow


@dataclass
class EncodedVL:
    input_ids: list[int]
    labels: list[int]
    images: list[str]  # resolved references, opened by the collator


def to_parts(messages: list[dict], images: list[str] | None = None) -> list[dict]:
    """Tagged text -> content parts for the chat template (`{"type": "image"}`, or `image_url` parts carrying
    `images` in tag order when given); text-only turns stay strings."""
    queue = list(images or [])
    out = []
    for m in messages:
        if IMAGE_TAG not in m["content"]:
            out.append(m)
            continue
        parts: list[dict] = []
        for i, chunk in enumerate(m["content"].split(IMAGE_TAG)):
            if i:
                parts.append({"type": "image_url", "image_url": {"url": queue.pop(0)}} if images is not None
                             else {"type": "image"})
            if chunk:
                parts.append({"type": "text", "text": chunk})
        out.append({"role": m["role"], "content": parts})
    return out


def expand(ids: list[int], labels: list[int] | None, image_token_id: int, counts: list[int]):
    """Repeat the k-th placeholder counts[k] times (labels IGNORE there); ValueError when the numbers disagree."""
    positions = [i for i, t in enumerate(ids) if t == image_token_id]
    if len(positions) != len(counts):
        raise ValueError(f"the chat template wrote {len(positions)} image placeholder(s) for {len(counts)} image(s)")
    new_ids: list[int] = []
    new_labels: list[int] = []
    start = 0
    for pos, n in zip(positions, counts):
        new_ids += ids[start:pos] + [image_token_id] * n
        if labels is not None:
            new_labels += labels[start:pos] + [IGNORE] * n
        start = pos + 1
    new_ids += ids[start:]
    if labels is not None:
        new_labels += labels[start:]
    return new_ids, (new_labels if labels is not None else None)


def encode_row(proc, row: VLRow) -> tuple[EncodedVL, int]:
    """(encoded row, image tokens in it)."""
    enc = encode_messages(proc.tokenizer, to_parts(row.messages))
    counts = [proc.tokens_for(h, w) for h, w in row.sizes]
    ids, labels = expand(enc.input_ids, enc.labels, proc.image_token_id, counts)
    labels = [IGNORE if t == proc.image_token_id else lab for t, lab in zip(ids, labels)]
    return EncodedVL(ids, labels, list(row.images)), sum(counts)


def last_image_token(enc: EncodedVL, image_token_id: int) -> int:
    """Index of the last image token (-1 when none): truncation must keep everything up to here."""
    return max((i for i, t in enumerate(enc.input_ids) if t == image_token_id), default=-1)


def prompt_ids_vl(proc, messages: list[dict], sizes: list[tuple[int, int]]) -> list[int]:
    """Generation prompt tokens with image placeholders expanded."""
    ids = prompt_ids(proc.tokenizer, to_parts(messages))
    return expand(ids, None, proc.image_token_id, [proc.tokens_for(h, w) for h, w in sizes])[0]
