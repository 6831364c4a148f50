"""HF causal LM (llama / qwen2 / mistral) → one GGUF file, written with the `gguf` package llama.cpp publishes.

Tensors are renamed through gguf's own tensor-name map (llama/mistral q/k rows permuted the way llama.cpp's
converter does); 1-D tensors stay f32, 2-D weights take --gguf_type (f16 where a row is not a whole number of
quantization blocks); the byte-level BPE tokenizer (tokens, types, merges, special ids) and the chat template
go into the metadata.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from swift_cli.errors import UsageError

# HF model_type -> (gguf architecture, whether q/k rows are permuted as llama.cpp's LlamaModel does)
ARCHS = {"qwen2": ("qwen2", False), "llama": ("llama", True), "mistral": ("llama", True)}
FILE_TYPES = {"f32": "ALL_F32", "f16": "MOSTLY_F16", "bf16": "MOSTLY_BF16", "q8_0": "MOSTLY_Q8_0",
              "q4_0": "MOSTLY_Q4_0", "q4_1": "MOSTLY_Q4_1", "q5_0": "MOSTLY_Q5_0", "q5_1": "MOSTLY_Q5_1"}
# Pre-tokenizer split regexes llama.cpp knows by name (tokenizer.ggml.pre).
PRE_TOKENIZERS = {
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+":
        "qwen2",
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+":
        "llama-bpe",
}
GENERATION_TAGS = re.compile(r"\{%-?\s*(end)?generation\s*-?%\}")


def gguf_filename(gguf_type: str) -> str:
    return f"model-{gguf_type}.gguf"


def check_supported(config: dict) -> str | None:
    """A problem line when the architecture cannot be written, else None (pure; for validation)."""
    model_type = config.get("model_type")
    if model_type not in ARCHS:
        return (f"--to gguf supports {', '.join(sorted(ARCHS))} models; this one is {model_type!r} "
                "(use llama.cpp's convert_hf_to_gguf.py for others)")
    return None


def strip_generation_tags(template: str) -> str:
    """trl's {% generation %} markers mean nothing to llama.cpp / Ollama: drop them."""
    return GENERATION_TAGS.sub("", template)


def _permute(w: np.ndarray, n_head: int, n_head_kv: int | None) -> np.ndarray:
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _tokenizer_fields(tokenizer_dir: Path, tokenizer, vocab_size: int) -> dict:
    """tokens, token types, merges and the pre-tokenizer name from tokenizer.json."""
    import gguf

    path = tokenizer_dir / "tokenizer.json"
    if not path.is_file():
        raise UsageError(f"--to gguf: {tokenizer_dir} has no tokenizer.json (a byte-level BPE tokenizer is needed)")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("model", {}).get("type") != "BPE" or data["model"].get("byte_fallback"):
        kind = data.get("model", {}).get("type") or "unknown"
        kind += " with byte_fallback" if data.get("model", {}).get("byte_fallback") else ""
        raise UsageError(f"--to gguf: only byte-level BPE tokenizers are supported (this one is {kind}); "
                         "use llama.cpp's converter for SentencePiece models")
    vocab = tokenizer.get_vocab()
    by_id = {i: t for t, i in vocab.items()}
    added = {t["content"] for t in data.get("added_tokens", []) if t.get("special")}
    tokens, types = [], []
    for i in range(vocab_size):
        tok = by_id.get(i)
        if tok is None:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
        else:
            tokens.append(tok)
            types.append(gguf.TokenType.CONTROL if tok in added else gguf.TokenType.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in data["model"].get("merges", [])]
    return {"tokens": tokens, "types": types, "merges": merges, "pre": _pre_name(data.get("pre_tokenizer"))}


def _pre_name(node) -> str:
    """llama.cpp's name for the pre-tokenizer (how text is split before BPE), so it tokenizes like transformers."""
    parts = _pretokenizers(node)
    for p in parts:
        if p.get("type") == "Split":
            return PRE_TOKENIZERS.get(p.get("pattern", {}).get("Regex", ""), "default")
    kinds = [p.get("type") for p in parts]
    byte_level_regex = bool(parts) and parts[-1].get("type") == "ByteLevel" and parts[-1].get("use_regex", True)
    if kinds == ["Digits", "ByteLevel"] and parts[0].get("individual_digits") and byte_level_regex:
        return "smollm"   # every digit apart, then GPT-2's split (SmolLM/SmolLM2; llama.cpp's "smollm" type)
    if kinds == ["ByteLevel"] and byte_level_regex:
        return "gpt-2"
    return "default"


def _pretokenizers(node) -> list[dict]:
    if not node:
        return []
    if node.get("type") == "Sequence":
        return [p for child in node.get("pretokenizers", []) for p in _pretokenizers(child)]
    return [node]


def write_gguf(model, tokenizer, tokenizer_dir: Path, out_file: Path, gguf_type: str, name: str,
               progress=None) -> dict:
    """Write `model` (a HF causal LM in memory) to `out_file`; returns what was written per tensor type."""
    import gguf
    import gguf.quants

    cfg = model.config
    arch_name, permute = ARCHS[cfg.model_type]
    arch = next(a for a, n in gguf.MODEL_ARCH_NAMES.items() if n == arch_name)
    n_layers, n_head = cfg.num_hidden_layers, cfg.num_attention_heads
    n_kv = getattr(cfg, "num_key_value_heads", None) or n_head
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // n_head
    tmap = gguf.get_tensor_name_map(arch, n_layers)
    if cfg.model_type == "mistral" and "mistral" not in name.lower():
        name = f"{name}-mistral"  # transformers' GGUF loader tells mistral from llama by the name

    writer = gguf.GGUFWriter(str(out_file), arch_name)
    writer.add_name(name)
    writer.add_context_length(cfg.max_position_embeddings)
    writer.add_embedding_length(cfg.hidden_size)
    writer.add_block_count(n_layers)
    writer.add_feed_forward_length(cfg.intermediate_size)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_kv)
    writer.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    rope = getattr(cfg, "rope_parameters", None) or {}
    rope_theta = rope.get("rope_theta", getattr(cfg, "rope_theta", 10000.0))
    if rope.get("rope_type", "default") not in ("default", None):
        raise UsageError(f"--to gguf: rope scaling {rope.get('rope_type')!r} is not written yet; use llama.cpp's converter")
    writer.add_rope_freq_base(float(rope_theta))
    writer.add_rope_dimension_count(head_dim)
    writer.add_file_type(getattr(gguf.LlamaFileType, FILE_TYPES[gguf_type]))
    writer.add_vocab_size(cfg.vocab_size)

    tok = _tokenizer_fields(tokenizer_dir, tokenizer, cfg.vocab_size)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(tok["pre"])
    writer.add_token_list(tok["tokens"])
    writer.add_token_types(tok["types"])
    writer.add_token_merges(tok["merges"])
    if tokenizer.bos_token_id is not None:
        writer.add_bos_token_id(tokenizer.bos_token_id)
    elif getattr(cfg, "bos_token_id", None) is not None:
        writer.add_bos_token_id(cfg.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    if tokenizer.pad_token_id is not None:
        writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_add_bos_token(bool(getattr(tokenizer, "add_bos_token", False)))
    if tokenizer.chat_template:
        writer.add_chat_template(strip_generation_tags(tokenizer.chat_template))

    qtype = getattr(gguf.GGMLQuantizationType, gguf_type.upper())
    counts: dict[str, int] = {}
    state = model.state_dict()
    for hf_name, tensor in state.items():
        if hf_name.endswith("rotary_emb.inv_freq"):
            continue
        if hf_name == "lm_head.weight" and getattr(cfg, "tie_word_embeddings", False):
            continue  # tied: llama.cpp reuses token_embd
        gname = tmap.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if gname is None:
            raise UsageError(f"--to gguf: no GGUF name for tensor {hf_name}")
        data = tensor.detach().float().cpu().numpy()
        if permute and hf_name.endswith("q_proj.weight"):
            data = _permute(data, n_head, n_head)
        elif permute and hf_name.endswith("k_proj.weight"):
            data = _permute(data, n_head, n_kv)
        ttype = gguf.GGMLQuantizationType.F32 if data.ndim == 1 else qtype
        block = gguf.GGML_QUANT_SIZES[ttype][0]
        if data.shape[-1] % block:
            ttype = gguf.GGMLQuantizationType.F16  # llama.cpp's fallback for rows that are not whole blocks
        if ttype == gguf.GGMLQuantizationType.F32:
            writer.add_tensor(gname, data.astype(np.float32))
        elif ttype == gguf.GGMLQuantizationType.F16:
            writer.add_tensor(gname, data.astype(np.float16))
        else:
            writer.add_tensor(gname, gguf.quants.quantize(data, ttype), raw_dtype=ttype)
        counts[ttype.name] = counts.get(ttype.name, 0) + 1
        if progress:
            progress()
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file(progress=False)
    writer.close()
    return {"tensor_types": counts, "tokenizer_pre": tok["pre"], "architecture": arch_name}
