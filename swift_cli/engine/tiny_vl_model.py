"""A tiny, randomly initialised Qwen2-VL (vision tower + merger + decoder) built offline, with a processor.

The text side reuses the project's tiny tokenizer (engine.tiny_model), extended by Qwen2-VL's vision special
tokens; the image processor is transformers' Qwen2VLImageProcessorPil (no torchvision needed). The chat
template renders OpenAI-style content parts (`{"type": "image"}` -> `<|vision_start|><|image_pad|><|vision_end|>`)
as Qwen2-VL's own template does, so `AutoProcessor.apply_chat_template` and our turn-by-turn masking both work.

Heavy libraries are imported inside the functions only.
"""
from __future__ import annotations

import os
from pathlib import Path

from swift_cli.engine.staging import staged
from swift_cli.engine.tiny_model import (
    DEFAULT_SYSTEM_PROMPT,
    SPECIAL_TOKENS,
    build_tiny_tokenizer,
)

VISION_START, VISION_END, IMAGE_PAD, VIDEO_PAD = "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"
VISION_TOKENS = (VISION_START, VISION_END, IMAGE_PAD, VIDEO_PAD)

# Small images keep the tiny model's image token count low: 112x112 -> 8x8 patches of 14 -> 16 tokens after the
# 2x2 merge. Real checkpoints ship min/max pixels of 56*56 .. 28*28*1280.
TINY_MIN_PIXELS = 56 * 56
TINY_MAX_PIXELS = 112 * 112

_CONTENT = (
    "{%- if message['content'] is string %}{{- message['content'] }}"
    "{%- else %}{%- for part in message['content'] %}"
    "{%- if part['type'] == 'image' or part['type'] == 'image_url' %}"
    "{{- '" + VISION_START + IMAGE_PAD + VISION_END + "' }}"
    "{%- elif part['type'] == 'text' %}{{- part['text'] }}{%- endif %}"
    "{%- endfor %}{%- endif %}"
)
# ChatML like the text tiny model, with content parts (Qwen2-VL's template does the same for images).
VL_CHAT_TEMPLATE = (
    "{%- if messages[0]['role'] != 'system' %}"
    "{{- '<|im_start|>system\\n" + DEFAULT_SYSTEM_PROMPT + "<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' }}" + _CONTENT + "{{- '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def build_tiny_vl_processor(vocab_size: int = 4096):
    """(tokenizer, image processor): the tiny tokenizer + vision special tokens, and the PIL image processor.

    Not a Qwen2VLProcessor object: transformers 5.24 cannot build one without torchvision (its video processor
    slot needs it). The files are saved in a real Qwen2-VL repo's layout, so AutoProcessor loads them where
    torchvision is installed, and engine.vl.processor loads the two parts here.
    """
    from transformers import Qwen2VLImageProcessorPil

    tokenizer = build_tiny_tokenizer(vocab_size)
    tokenizer.add_tokens(list(VISION_TOKENS), special_tokens=True)
    tokenizer.chat_template = VL_CHAT_TEMPLATE
    image_processor = Qwen2VLImageProcessorPil(min_pixels=TINY_MIN_PIXELS, max_pixels=TINY_MAX_PIXELS)
    return tokenizer, image_processor


def save_processor_files(folder: Path, tokenizer, image_processor) -> None:
    """Tokenizer + preprocessor_config.json naming Qwen2VLProcessor, as a Qwen2-VL checkpoint ships them."""
    import json

    tokenizer.save_pretrained(folder)
    image_processor.save_pretrained(folder)
    cfg_path = folder / "preprocessor_config.json"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    cfg["processor_class"] = "Qwen2VLProcessor"
    cfg_path.write_text(json.dumps(cfg, indent=2), encoding="utf-8")
    (folder / "chat_template.jinja").write_text(tokenizer.chat_template, encoding="utf-8")


def build_tiny_vl_model(out_dir: str | os.PathLike[str], seed: int = 0, hidden_size: int = 128, num_layers: int = 2,
                        vision_depth: int = 2, vision_dim: int = 64, overwrite: bool = False) -> Path:
    """Write a tiny random Qwen2VLForConditionalGeneration + processor into `out_dir` (staged, then renamed)."""
    out = Path(out_dir).expanduser().absolute()
    if out.exists() and not overwrite and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not empty (pass overwrite=True to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)

    import torch
    from transformers import (
        GenerationConfig,
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
    )
    from transformers.utils import logging as hf_logging

    old = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        with staged(out, exist_ok=True) as tmp:
            tok, image_processor = build_tiny_vl_processor()
            eot_id, _, im_end_id = (tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS)
            ids = {t: tok.convert_tokens_to_ids(t) for t in VISION_TOKENS}
            heads = 4
            half_head = hidden_size // heads // 2  # M-RoPE splits each head's rotary half into t/h/w sections
            sections = [half_head - 2 * (half_head * 3 // 8), half_head * 3 // 8, half_head * 3 // 8]
            text = {"vocab_size": len(tok), "hidden_size": hidden_size, "intermediate_size": 2 * hidden_size,
                    "num_hidden_layers": num_layers, "num_attention_heads": heads, "num_key_value_heads": 2,
                    "max_position_embeddings": 2048, "rms_norm_eps": 1e-6, "use_sliding_window": False,
                    "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": sections},
                    "bos_token_id": eot_id, "eos_token_id": im_end_id, "pad_token_id": eot_id}
            vision = {"depth": vision_depth, "embed_dim": vision_dim, "hidden_size": hidden_size, "num_heads": 4,
                      "mlp_ratio": 2, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2}
            config = Qwen2VLConfig(text_config=text, vision_config=vision, image_token_id=ids[IMAGE_PAD],
                                   video_token_id=ids[VIDEO_PAD], vision_start_token_id=ids[VISION_START],
                                   vision_end_token_id=ids[VISION_END], tie_word_embeddings=False)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                model = Qwen2VLForConditionalGeneration(config)
            model.to(torch.float32).eval()
            model.generation_config = GenerationConfig(bos_token_id=eot_id, eos_token_id=im_end_id,
                                                       pad_token_id=eot_id)
            model.save_pretrained(tmp, safe_serialization=True)
            save_processor_files(Path(tmp), tok, image_processor)
    finally:
        hf_logging.set_verbosity(old)
    return out
