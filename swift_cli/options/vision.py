"""Options of vision-language models (ms-swift's names and defaults: the vision tower and aligner frozen)."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.options.declare import opt


@dataclass(frozen=True)
class VisionArgs:
    """Which parts of a vision-language model train, and how large images may get."""

    freeze_vit: bool = opt(True, "Keep the vision tower frozen (LoRA/full training leaves it as it is)")
    freeze_aligner: bool = opt(True, "Keep the aligner (the vision-to-text merger/projector) frozen")
    freeze_llm: bool = opt(False, "Keep the language model frozen (train only what is unfrozen above)")
    max_pixels: int | None = opt(None, "Largest image area in pixels before resizing (else MAX_PIXELS, else the "
                                 "model's own); bounds the image tokens per image")


@dataclass(frozen=True)
class ImageInputArgs:
    """Images sent with a query."""

    images: list[str] = opt([], "Image files, URLs or data URIs for --query (one <image> each, placed first)",
                            aliases=("image",))
    max_pixels: int | None = opt(None, "Largest image area in pixels before resizing (else MAX_PIXELS)")
