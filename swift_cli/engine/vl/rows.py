"""Image-text rows in ms-swift's format, normalised: messages whose text carries one `<image>` tag per image, plus
the row's images resolved (paths relative to the dataset file, URLs fetched, data URIs kept).

Accepted: `{"messages": [...], "images": [...]}` (and every text format engine.data.formats knows, with
`images`); OpenAI content parts (`{"type": "image_url", "image_url": {"url": ...}}`, `{"type": "image", "image":
...}`, `{"type": "text", "text": ...}`), converted to tags; preference rows may carry `rejected_images`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swift_cli.engine.data.formats import RowError, to_messages
from swift_cli.engine.vl.images import ImageError, image_size, resolve

IMAGE_TAG = "<image>"
IMAGE_PART_TYPES = ("image", "image_url")


@dataclass
class VLRow:
    where: str
    messages: list[dict]  # string contents; `<image>` marks where each image goes, in order
    images: list[str]  # resolved references (local path or data URI)
    sizes: list[tuple[int, int]]  # (height, width) per image, read from the headers


def _part_image(part: dict):
    value = part.get("image_url", part.get("image"))
    return value.get("url") if isinstance(value, dict) else value


def parts_to_text(content, images: list) -> str:
    """OpenAI content parts -> text with `<image>` tags; the parts' images are appended to `images`."""
    if not isinstance(content, list):
        return content
    out = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            out.append(part.get("text", ""))
        elif kind in IMAGE_PART_TYPES:
            images.append(_part_image(part))
            out.append(IMAGE_TAG)
        else:
            raise RowError(f"content part {i} must be {{'type': 'text'|'image_url'|'image', ...}}, got {kind!r}")
    return "".join(out)


def with_parts_converted(row: dict) -> tuple[dict, list]:
    """The row with list contents turned into tagged text, and the images it names (listed first, then parts)."""
    images = row.get("images") or []
    images = [images] if isinstance(images, (str, dict, bytes)) else list(images)
    from_parts: list = []
    convo_key = next((k for k in ("messages", "conversations") if isinstance(row.get(k), list)), None)
    if convo_key:
        turns = []
        for turn in row[convo_key]:
            if isinstance(turn, dict):
                key = "content" if "content" in turn else "value"
                turn = {**turn, key: parts_to_text(turn.get(key), from_parts)}
            turns.append(turn)
        row = {**row, convo_key: turns}
    if from_parts and images:
        raise RowError("images given both as content parts and in 'images'; use one of them")
    return row, images or from_parts


def count_tags(messages: list[dict]) -> int:
    return sum(m["content"].count(IMAGE_TAG) for m in messages)


def _resolved(refs: list, base_dir: Path | None, what: str) -> tuple[list[str], list[tuple[int, int]]]:
    resolved, sizes = [], []
    for i, ref in enumerate(refs):
        try:
            r = resolve(ref, base_dir)
            sizes.append(image_size(r))
            resolved.append(r)
        except ImageError as exc:
            raise RowError(f"{what}[{i}]: {exc}") from None
    return resolved, sizes


def base_dir_of(where: str) -> Path | None:
    """The folder of the dataset file a row came from (`file:line` or `file: row N`), for relative image paths."""
    path = Path(where.rpartition(":")[0])
    return path.parent if path.name and path.exists() else None


def to_vl_row(where: str, data) -> VLRow:
    """One raw row -> VLRow; raises RowError naming the first problem (tags vs images, missing/unreadable)."""
    if not isinstance(data, dict):
        raise RowError(f"a row must be a JSON object, got {type(data).__name__}")
    row, images = with_parts_converted(data)
    msgs = to_messages({k: v for k, v in row.items() if k not in ("images", "rejected_images")})
    tags = count_tags(msgs)
    if tags != len(images):
        raise RowError(f"{tags} {IMAGE_TAG} tag(s) but {len(images)} image(s); one tag per image, in order")
    if any(IMAGE_TAG in m["content"] for m in msgs if m["role"] == "assistant"):
        raise RowError(f"an assistant turn holds an {IMAGE_TAG} tag; images belong to user turns")
    base = base_dir_of(where)
    resolved, sizes = _resolved(images, base, "images")
    if data.get("rejected_images"):
        _resolved(list(data["rejected_images"]), base, "rejected_images")  # checked now, used by preference tasks
    return VLRow(where, msgs, resolved, sizes)


def has_images(data) -> bool:
    """Whether a raw row is an image-text row (so the VL path must read it)."""
    if not isinstance(data, dict):
        return False
    if data.get("images") or data.get("rejected_images"):
        return True
    for key in ("messages", "conversations"):
        for turn in data.get(key) or []:
            content = turn.get("content", turn.get("value")) if isinstance(turn, dict) else None
            if isinstance(content, list) and any(isinstance(p, dict) and p.get("type") in IMAGE_PART_TYPES
                                                 for p in content):
                return True
            if isinstance(content, str) and IMAGE_TAG in content:
                return True
    return False
