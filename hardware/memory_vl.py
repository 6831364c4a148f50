"""The vision side of a vision-language model's memory estimate: pure, from config.json's vision_config.

Counting rules (Qwen2-VL / Qwen2.5-VL / Qwen3-VL vision towers; D width, M MLP width, m merge size)::

    patch embed   = C·T·P·P·D                         (Conv3d, no bias)
    block         = qkv D·3D + 3D, proj D·D + D, norms (2 LayerNorms 4D | 2 RMSNorms 2D)
                    MLP: fc1/fc2 2·D·M + M + D (Qwen2-VL, M = D·mlp_ratio) | gate/up/down 3·D·M + 2M + D
    merger        = norm + Linear(D·m², D·m²) + Linear(D·m², out) with biases

Images: at most max_pixels / (P·m)² tokens each after the m×m merge (m² patches of P×P pixels per token).
Activations: a frozen tower (ms-swift's default: --freeze_vit true, --freeze_aligner true) runs without
autograd, so only one block's working set is live; an unfrozen one keeps each block's activations for backward
(the block inputs only with gradient checkpointing).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

DEFAULT_MAX_PIXELS = 28 * 28 * 16384  # Qwen2-VL processors' max_pixels when none is set (12845056)
BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


@dataclass(frozen=True)
class VisionSpec:
    depth: int
    width: int  # D
    mlp: int  # M
    gated: bool  # Qwen2.5-VL/Qwen3-VL: SwiGLU MLP with RMSNorm
    heads: int
    patch: int
    temporal_patch: int
    merge: int
    out_hidden: int
    in_channels: int = 3

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> VisionSpec | None:
        """The vision tower of a config.json (None for text-only models)."""
        vc = config.get("vision_config")
        if not isinstance(vc, dict):
            return None
        gated = "intermediate_size" in vc and "embed_dim" not in vc
        width = vc.get("embed_dim") or vc.get("hidden_size", 1280)
        mlp = vc["intermediate_size"] if gated else width * vc.get("mlp_ratio", 4)
        text = config.get("text_config") or config
        out = vc.get("out_hidden_size") or (vc.get("hidden_size") if not gated else None) or text.get("hidden_size")
        return cls(depth=vc.get("depth", 32), width=width, mlp=mlp, gated=gated, heads=vc.get("num_heads", 16),
                   patch=vc.get("patch_size", 14), temporal_patch=vc.get("temporal_patch_size", 2),
                   merge=vc.get("spatial_merge_size", 2), out_hidden=out,
                   in_channels=vc.get("in_chans", vc.get("in_channels", 3)))

    @property
    def params_block(self) -> int:
        d, m = self.width, self.mlp
        norms = 2 * d if self.gated else 4 * d
        mlp = 3 * d * m + 2 * m + d if self.gated else 2 * d * m + m + d
        return d * 3 * d + 3 * d + d * d + d + norms + mlp

    @property
    def params_merger(self) -> int:
        wide = self.width * self.merge ** 2
        norm = self.width if self.gated else 2 * self.width
        return norm + wide * wide + wide + wide * self.out_hidden + self.out_hidden

    @property
    def params_patch_embed(self) -> int:
        return self.in_channels * self.temporal_patch * self.patch ** 2 * self.width

    @property
    def params_total(self) -> int:
        return self.params_patch_embed + self.depth * self.params_block + self.params_merger

    def tokens_per_image(self, max_pixels: int) -> int:
        """Most placeholder tokens one image becomes (after resizing to max_pixels and the merge)."""
        return max(1, max_pixels // (self.patch * self.merge) ** 2)


def vision_bytes(vs: VisionSpec, *, dtype: str, images_per_step: int, image_tokens: int, freeze_vit: bool,
                 freeze_aligner: bool, train_type: str, lora_rank: int, gradient_checkpointing: bool,
                 training: bool = True) -> dict[str, int]:
    """Bytes per device: weights, trainable state (LoRA or full: grads + AdamW moments), activations."""
    b = BYTES.get(dtype, 2)
    terms = {"vision weights": vs.params_total * b}
    patches = image_tokens * vs.merge ** 2 * images_per_step
    work = patches * (4 * vs.width + 2 * vs.mlp) * b  # one block's forward working set (sdpa: no N^2 matrix)
    trained = [p for p, frozen in (("vit", freeze_vit), ("aligner", freeze_aligner)) if not frozen and training]
    if not trained:
        terms["vision activations"] = work
        return terms
    if train_type == "full":
        n = (vs.depth * vs.params_block + vs.params_patch_embed if "vit" in trained else 0) + \
            (vs.params_merger if "aligner" in trained else 0)
        terms["vision trainable state"] = n * 3 * b  # grads + two AdamW moments in the weights' dtype
    else:
        per_block = lora_rank * (vs.width * 4 + 3 * vs.width + vs.width * 2 + (vs.mlp * 3 if vs.gated else vs.mlp * 2)
                                 + (vs.mlp * 2 if vs.gated else vs.width))
        wide = vs.width * vs.merge ** 2
        n = (vs.depth * per_block if "vit" in trained else 0) + \
            (lora_rank * (2 * wide + wide + vs.out_hidden) if "aligner" in trained else 0)
        terms["vision trainable state"] = n * 4 * 4  # fp32 LoRA weights + grads + two moments
    if "vit" in trained:
        saved = patches * vs.width * b * vs.depth if gradient_checkpointing else \
            patches * (8 * vs.width + 3 * vs.mlp) * b * vs.depth
        terms["vision activations"] = saved + work
    else:  # only the merger trains: its input and hidden layer are kept
        terms["vision activations"] = patches * vs.width * 3 * b + work
    return terms


def with_vision(plan, terms: dict[str, int], note: str):
    """A hardware.plan.Plan with the vision terms added to its breakdown and peak, and the fit re-judged."""
    added = sum(terms.values())
    peak = plan.peak_bytes + added
    return replace(plan, breakdown={**plan.breakdown, **terms}, peak_terms=[*plan.peak_terms, *terms],
                   peak_bytes=peak, fits=peak <= plan.free_bytes, notes=[*plan.notes, note])
