"""Generation inputs for a vision-language model: messages whose contents may hold image parts (OpenAI
`image_url` with a path, URL or data URI; `image`) or `<image>` tags, turned into expanded token ids and pixels."""
from __future__ import annotations

from swift_cli.engine.vl.encode import prompt_ids_vl, to_parts
from swift_cli.engine.vl.images import ImageError, open_image, resolve
from swift_cli.engine.vl.rows import IMAGE_TAG, count_tags, parts_to_text
from swift_cli.errors import UsageError


def image_message(query: str, images: list[str]) -> dict:
    """A user turn with `images` first (ms-swift puts images before the text when the query has no tags)."""
    if IMAGE_TAG in query and query.count(IMAGE_TAG) != len(images):
        raise UsageError(f"--query has {query.count(IMAGE_TAG)} {IMAGE_TAG} tag(s) but --images names {len(images)}")
    text = query if IMAGE_TAG in query else IMAGE_TAG * len(images) + query
    return to_parts([{"role": "user", "content": text}], images)[0]


def vl_inputs(proc, messages: list[dict], device: str) -> dict:
    """Model inputs (input_ids, attention_mask, mm_token_type_ids, pixel_values, image_grid_thw) for generation."""
    import torch

    images: list = []
    try:
        msgs = [{"role": m["role"], "content": parts_to_text(m["content"], images)} for m in messages]
    except ValueError as exc:
        raise UsageError(f"messages: {exc}") from None
    if count_tags(msgs) != len(images):
        raise UsageError(f"{count_tags(msgs)} {IMAGE_TAG} tag(s) in the messages but {len(images)} image(s)")
    try:
        pil = [open_image(resolve(ref, None)) for ref in images]
    except ImageError as exc:
        raise UsageError(str(exc)) from None
    ids = prompt_ids_vl(proc, msgs, [(im.height, im.width) for im in pil])
    input_ids = torch.tensor([ids], device=device)
    inputs = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids),
              "mm_token_type_ids": (input_ids == proc.image_token_id).int()}
    if pil:
        inputs.update({k: v.to(device) for k, v in proc.pixels(pil).items()})
    return inputs


def batch_question(where: str, data: dict, question) -> list[dict]:
    """A batch-inference row with images: `question` (batch_infer's text rule) on the tagged text, then the row's
    images (paths relative to its file) attached as parts."""
    from swift_cli.engine.data.formats import RowError
    from swift_cli.engine.vl.rows import base_dir_of, with_parts_converted

    row, images = with_parts_converted(data)
    msgs = question({k: v for k, v in row.items() if k not in ("images", "rejected_images")})
    if count_tags(msgs) != len(images):
        raise RowError(f"{count_tags(msgs)} {IMAGE_TAG} tag(s) but {len(images)} image(s)")
    try:
        refs = [resolve(ref, base_dir_of(where)) for ref in images]
    except ImageError as exc:
        raise RowError(str(exc)) from None
    return to_parts(msgs, refs)
