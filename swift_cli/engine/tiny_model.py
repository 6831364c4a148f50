"""A tiny, randomly initialised chat model (Qwen2 or Llama architecture) built entirely offline.

Used by tests, demos and CPU smoke runs: no download is needed. The tokenizer is a byte-level BPE
trained here on our own corpora (``swift_cli/resources/corpus_*.txt``) with the Qwen2
pre-tokenizer split pattern, so a GGUF export may declare ``tokenizer.ggml.pre = "qwen2"``.

Heavy libraries (torch, transformers, tokenizers) are imported inside the functions only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from swift_cli.engine.staging import staged

__all__ = [
    "ARCHITECTURES",
    "CHAT_TEMPLATE",
    "DEFAULT_SYSTEM_PROMPT",
    "ENDOFTEXT",
    "IM_END",
    "IM_START",
    "QWEN2_PRETOKENIZE_REGEX",
    "SPECIAL_TOKENS",
    "build_tiny_model",
    "build_tiny_tokenizer",
]

ENDOFTEXT = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
# Trained first, so their ids are 0, 1, 2 in this order.
SPECIAL_TOKENS = (ENDOFTEXT, IM_START, IM_END)

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant."

# The split regex of Qwen2's tokenizer.json (llama.cpp's "qwen2" pre-tokenizer uses the same one).
QWEN2_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

# ChatML, Qwen2.5 style (default system prompt when none is given). Deliberately no
# {% generation %} tags: loss masking must not depend on them.
CHAT_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>system\\n" + DEFAULT_SYSTEM_PROMPT + "<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if not (loop.first and message['role'] == 'system') %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- endif %}"
)

ARCHITECTURES = ("qwen2", "llama")

_CORPORA = ("corpus_en.txt", "corpus_zh.txt")


def build_tiny_tokenizer(vocab_size: int = 4096) -> Any:
    """Train the byte-level BPE tokenizer on the bundled corpora; returns a PreTrainedTokenizerFast.

    Deterministic (no randomness in BPE training). ``len(tokenizer)`` may be below ``vocab_size``
    when the corpora run out of merges.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    from swift_cli.resources import resource_path

    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    # NFC like Qwen2's own tokenizer.json: transformers' Qwen2Tokenizer (which AutoTokenizer picks for a
    # qwen2 config) installs it anyway, so both load paths then tokenize identically.
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train([str(resource_path(name)) for name in _CORPORA], trainer=trainer)

    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=IM_END,
        pad_token=ENDOFTEXT,
        bos_token=None,
        unk_token=None,
        chat_template=CHAT_TEMPLATE,
        model_max_length=2048,
        padding_side="right",
        clean_up_tokenization_spaces=False,
        add_bos_token=False,
    )


def build_tiny_model(
    out_dir: str | os.PathLike[str],
    arch: str = "qwen2",
    seed: int = 0,
    vocab_size: int = 4096,
    hidden_size: int = 128,
    num_layers: int = 2,
    num_heads: int = 4,
    num_kv_heads: int = 2,
    intermediate_size: int = 256,
    max_position_embeddings: int = 2048,
    tie_word_embeddings: bool = False,
    overwrite: bool = False,
) -> Path:
    """Build a tiny random chat model + tokenizer into ``out_dir``; returns ``out_dir`` as a Path.

    ``arch`` is "qwen2" (Qwen2ForCausalLM) or "llama" (LlamaForCausalLM). The model's vocabulary
    equals the trained tokenizer's length (<= ``vocab_size``). Same arguments -> byte-identical
    model.safetensors and tokenizer.json; another ``seed`` -> other weights (same tokenizer).
    Everything is written into a temporary sibling directory and renamed into place at the end.
    An existing non-empty ``out_dir`` raises FileExistsError unless ``overwrite`` is true.
    """
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {ARCHITECTURES}, got {arch!r}")
    out = Path(out_dir).expanduser().absolute()
    if out.exists() and not overwrite and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not empty (pass overwrite=True to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)

    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM
    from transformers.utils import logging as hf_logging

    old_verbosity = hf_logging.get_verbosity()
    bars_were_enabled = hf_logging.is_progress_bar_enabled()
    try:
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        with staged(out, exist_ok=True) as tmp:
            tokenizer = build_tiny_tokenizer(vocab_size)
            eot_id, im_start_id, im_end_id = (tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS)

            common = dict(
                vocab_size=len(tokenizer),
                hidden_size=hidden_size,
                intermediate_size=intermediate_size,
                num_hidden_layers=num_layers,
                num_attention_heads=num_heads,
                num_key_value_heads=num_kv_heads,
                max_position_embeddings=max_position_embeddings,
                rms_norm_eps=1e-6,
                rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
                tie_word_embeddings=tie_word_embeddings,
                bos_token_id=eot_id,
                eos_token_id=im_end_id,
                pad_token_id=eot_id,
                dtype="float32",
            )
            if arch == "qwen2":
                config, model_cls = Qwen2Config(**common, use_sliding_window=False), Qwen2ForCausalLM
            else:
                config, model_cls = LlamaConfig(**common), LlamaForCausalLM

            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                model = model_cls(config)
            model.to(torch.float32).eval()
            model.generation_config = GenerationConfig(
                bos_token_id=eot_id, eos_token_id=im_end_id, pad_token_id=eot_id,
            )
            model.save_pretrained(tmp, safe_serialization=True)
            tokenizer.save_pretrained(tmp)
    finally:
        hf_logging.set_verbosity(old_verbosity)
        if bars_were_enabled:
            hf_logging.enable_progress_bar()
    return out

