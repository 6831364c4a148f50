"""`swift deploy` with a vision-language model: chat prompts whose image_url parts (URL or base64 data URI) become
token ids that carry their pixels to the batcher, which then passes them to generate."""
from __future__ import annotations

from swift_cli.engine.serve.protocol import bad
from swift_cli.errors import UsageError


class VisionPrompt(list):
    """Prompt token ids plus `vision`: the pixel inputs for its image tokens (empty for text-only prompts)."""

    vision: dict


def vision_prompt(chat, messages: list[dict]) -> VisionPrompt:
    from swift_cli.engine.vl.generate import vl_inputs

    try:
        inputs = vl_inputs(chat.vl, chat.with_system(messages), "cpu")
    except UsageError as exc:
        raise bad("messages", str(exc)) from None
    prompt = VisionPrompt(inputs.pop("input_ids")[0].tolist())
    prompt.vision = {k: v for k, v in inputs.items() if k in ("pixel_values", "image_grid_thw")}
    return prompt


def vision_inputs(chat, jobs, inputs: dict) -> dict:
    """mm_token_type_ids for the (left-padded) batch, and the pixels of a lone image job repeated for its n rows."""
    import torch

    extra = {"mm_token_type_ids": (inputs["input_ids"] == chat.vl.image_token_id).int() * inputs["attention_mask"]}
    vision = getattr(jobs[0].prompt_ids, "vision", None)
    if vision:
        n = len(jobs[0].rows)
        extra.update({k: torch.cat([v] * n).to(chat.device) for k, v in vision.items()})
    return extra
