"""The planner's hook for vision-language models: add the vision tower and the images of a step (hardware.memory_vl,
pure) to the decoder's plan, from the command's --freeze_vit/--freeze_aligner/--max_pixels (else ms-swift's
defaults and MAX_PIXELS, else the model's own processor limit)."""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

from hardware.memory_vl import DEFAULT_MAX_PIXELS, VisionSpec, vision_bytes, with_vision


def _model_max_pixels(model: str | None) -> int | None:
    """max_pixels of a local model's preprocessor_config.json (None when there is none)."""
    f = Path(str(model or "")).expanduser() / "preprocessor_config.json"
    if not f.is_file():
        return None
    pre = json.loads(f.read_text(encoding="utf-8"))
    return pre.get("max_pixels") or (pre.get("size") or {}).get("longest_edge")


def add_vision(plan, config: dict, cfg, data_stats: dict | None):
    """`plan` unchanged for text-only models; else with vision weights/state/activations in the estimate."""
    vs = VisionSpec.from_config(config)
    if vs is None:
        return plan
    vision = getattr(cfg, "vision", None)
    env = os.environ.get("MAX_PIXELS", "").strip()
    max_pixels = (getattr(vision, "max_pixels", None) or (int(env) if env.isdigit() else None)
                  or _model_max_pixels(cfg.model.model) or DEFAULT_MAX_PIXELS)
    flags = plan.flags
    seq = int(flags.get("max_length") or cfg.data.max_length)
    stats = data_stats or {}
    tokens = stats.get("max_image_tokens") or min(vs.tokens_per_image(max_pixels), seq)
    per_row = math.ceil(stats["images"] / stats["rows"]) if stats.get("rows") and stats.get("images") else 1
    batch = int(flags.get("per_device_train_batch_size") or cfg.train.per_device_train_batch_size)
    training = plan.task != "infer"
    terms = vision_bytes(vs, dtype=str(flags.get("torch_dtype", "bfloat16")), images_per_step=batch * per_row
                         if training else per_row, image_tokens=tokens,
                         freeze_vit=getattr(vision, "freeze_vit", True), freeze_aligner=getattr(vision,
                                                                                                "freeze_aligner", True),
                         train_type=plan.train_type or "lora", lora_rank=cfg.tuner.lora_rank,
                         gradient_checkpointing=bool(flags.get("gradient_checkpointing")), training=training)
    share = sum(terms.values()) / (plan.peak_bytes + sum(terms.values()))
    note = (f"vision tower: {vs.params_total / 1e6:,.1f}M params; up to {tokens} image tokens per image "
            f"(max_pixels {max_pixels}); vision share of the estimate {share:.0%}")
    return with_vision(plan, terms, note)
