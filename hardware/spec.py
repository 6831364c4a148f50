"""Model shape from a Hugging Face ``config.json`` alone: exact parameter counts, no weights.

Pure: no torch, no I/O (the thin loader :func:`load_model_config` lives in ``hardware.loaders``
and is re-exported here for convenience).

Counting rules for the decoder-only families we support (llama, mistral, qwen2, qwen3, gemma,
gemma2/3 text, qwen2_moe, qwen3_moe, mixtral, phi3, and lookalikes that use the same keys)::

    embedding      = V·h                                   (shared with lm_head when tied)
    attention      = h·(H·d) + 2·h·(K·d) + (H·d)·h         H heads, K kv heads (GQA/MQA), d head_dim
                     + biases: q,k,v (+o with attention_bias on llama-style models)
    dense MLP      = 3·h·i (gate, up, down)                (+ 2i + h bias with mlp_bias)
    MoE MLP        = E·3·h·m (experts) + E·h (router)      E experts, m moe_intermediate_size
                     + shared expert 3·h·s + h (its sigmoid gate)   (Qwen2-MoE)
    norms          = 2h per layer (4h for gemma2/3), + q_norm/k_norm 2d (qwen3, gemma3), + h final
    lm_head        = V·h                                   (0 when tied)
    total          = embedding + Σ_layers layer + h + lm_head
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

# Per-family defaults for keys a config.json may omit (the values transformers' config classes use).
_DEFAULTS: dict[str, dict[str, Any]] = {
    "gemma": {"head_dim": 256, "tie_word_embeddings": True},
    "gemma2": {"head_dim": 256, "tie_word_embeddings": True},
    "gemma3_text": {"head_dim": 256, "tie_word_embeddings": True},
    "qwen3": {"head_dim": 128},
    "qwen3_moe": {"head_dim": 128},
    "mistral": {"num_key_value_heads": 8},
    "mixtral": {"num_key_value_heads": 8, "num_local_experts": 8, "num_experts_per_tok": 2},
}
# Families whose q/k/v projections carry a bias regardless of ``attention_bias``.
_QKV_BIAS_ALWAYS = {"qwen2", "qwen2_vl", "qwen2_5_vl"}
# Families with extra pre/post feed-forward norms (4 norms per layer).
_FOUR_NORMS = {"gemma2", "gemma3", "gemma3_text"}
# Families with per-head q_norm/k_norm (RMSNorm over head_dim).
_QK_NORM = {"qwen3", "qwen3_moe", "gemma3", "gemma3_text"}
# Families whose attention/MLP projections are fused (qkv_proj, gate_up_proj).
_FUSED = {"phi3", "glm4"}


@dataclass(frozen=True)
class ModelSpec:
    """Shapes and exact parameter counts of a decoder-only LM.

    ``linear_modules`` maps each nn.Linear in a decoder layer (name relative to the layer, e.g.
    ``self_attn.q_proj``) to ``(in_features, out_features)``; ``linear_counts`` says in how many
    layers that module exists (MoE models may mix dense and sparse layers).
    """

    model_type: str
    num_layers: int
    hidden_size: int
    intermediate_size: int
    vocab_size: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    tied: bool
    params_total: int
    params_embedding: int
    params_per_layer: int                   # a typical (the first sparse, else first) layer
    params_layers: int                      # Σ over all decoder layers
    params_lm_head: int                     # 0 when tied
    linear_modules: dict[str, tuple[int, int]] = field(default_factory=dict)
    linear_counts: dict[str, int] = field(default_factory=dict)
    linear_layers: dict[str, tuple[int, ...]] = field(default_factory=dict)   # which layers
    num_experts: int = 0
    experts_per_token: int = 0
    moe_intermediate_size: int = 0
    shared_expert_intermediate_size: int = 0
    params_experts: int = 0                 # routed expert weights in all layers (for MoE)
    max_position_embeddings: int | None = None
    quant_method: str | None = None         # pre-quantized checkpoint: 'gptq' | 'awq' | 'bnb' | ...
    quant_bits: int | None = None
    notes: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "ModelSpec":
        return spec_from_config(config)

    @property
    def params_active(self) -> int:
        """Parameters touched per token (MoE: only top-k of the routed experts)."""
        if not self.num_experts:
            return self.params_total
        frac = self.experts_per_token / self.num_experts
        return int(self.params_total - self.params_experts * (1 - frac))

    @property
    def kv_dim(self) -> int:
        return self.num_kv_heads * self.head_dim

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["linear_modules"] = {k: list(v) for k, v in self.linear_modules.items()}
        d["linear_layers"] = {k: list(v) for k, v in self.linear_layers.items()}
        d["notes"] = list(self.notes)
        d["params_active"] = self.params_active
        return d


def _get(cfg: dict[str, Any], mt: str, key: str, default: Any = None) -> Any:
    val = cfg.get(key)
    if val is None:
        val = _DEFAULTS.get(mt, {}).get(key, default)
    return val


def spec_from_config(config: dict[str, Any]) -> ModelSpec:
    """Build a :class:`ModelSpec` from a config dict (see module docstring for the formulas)."""
    notes: list[str] = []
    cfg = dict(config)
    if "hidden_size" not in cfg and isinstance(cfg.get("text_config"), dict):
        # Multimodal wrapper: count the language model only and say so.
        notes.append("multimodal config: counted the text model only (vision tower not included)")
        tied_outer = cfg.get("tie_word_embeddings")
        cfg = dict(cfg["text_config"])
        if cfg.get("tie_word_embeddings") is None and tied_outer is not None:
            cfg["tie_word_embeddings"] = tied_outer
    mt = str(cfg.get("model_type", "llama"))
    try:
        h = int(cfg["hidden_size"])
        n_layers = int(cfg["num_hidden_layers"])
        vocab = int(cfg["vocab_size"])
        n_heads = int(cfg["num_attention_heads"])
    except KeyError as e:
        raise ValueError(f"config.json lacks {e.args[0]!r}: cannot size the model") from None
    inter = int(_get(cfg, mt, "intermediate_size", 4 * h))
    n_kv = int(_get(cfg, mt, "num_key_value_heads", n_heads) or n_heads)
    d = int(_get(cfg, mt, "head_dim", 0) or h // n_heads)
    tied = bool(_get(cfg, mt, "tie_word_embeddings", False))
    att_bias = bool(cfg.get("attention_bias", False))
    qkv_bias = att_bias or mt in _QKV_BIAS_ALWAYS or bool(cfg.get("qkv_bias", mt == "qwen2_moe"))
    o_bias = att_bias
    mlp_bias = bool(cfg.get("mlp_bias", False))

    # MoE keys: Qwen-MoE uses num_experts / moe_intermediate_size, Mixtral num_local_experts and
    # reuses intermediate_size for its experts.
    n_exp = int(cfg.get("num_experts") or cfg.get("num_local_experts")
                or _DEFAULTS.get(mt, {}).get("num_local_experts", 0) or 0)
    if mt in ("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3_text", "phi3"):
        n_exp = 0
    topk = int(_get(cfg, mt, "num_experts_per_tok", 0) or 0)
    moe_i = int(cfg.get("moe_intermediate_size") or inter) if n_exp else 0
    shared_i = int(cfg.get("shared_expert_intermediate_size") or 0) if n_exp else 0
    sparse_step = int(cfg.get("decoder_sparse_step") or 1)
    mlp_only = set(cfg.get("mlp_only_layers") or [])

    q_out, kv_out = n_heads * d, n_kv * d
    attn_lin: dict[str, tuple[int, int]]
    if mt in _FUSED:
        attn_lin = {"self_attn.qkv_proj": (h, q_out + 2 * kv_out), "self_attn.o_proj": (q_out, h)}
    else:
        attn_lin = {"self_attn.q_proj": (h, q_out), "self_attn.k_proj": (h, kv_out),
                    "self_attn.v_proj": (h, kv_out), "self_attn.o_proj": (q_out, h)}
    attn = sum(i * o for i, o in attn_lin.values())
    if qkv_bias:
        attn += q_out + 2 * kv_out
    if o_bias:
        attn += h
    norms = (4 if mt in _FOUR_NORMS else 2) * h + (2 * d if mt in _QK_NORM else 0)

    def dense_mlp(size: int, prefix: str = "mlp.") -> dict[str, tuple[int, int]]:
        if mt in _FUSED:
            return {prefix + "gate_up_proj": (h, 2 * size), prefix + "down_proj": (size, h)}
        return {prefix + "gate_proj": (h, size), prefix + "up_proj": (h, size),
                prefix + "down_proj": (size, h)}

    linear_layers: dict[str, list[int]] = {}
    sparse_layers: list[int] = []
    linear_shapes: dict[str, tuple[int, int]] = {}
    per_layer: list[int] = []
    experts_total = 0
    typical = None
    for li in range(n_layers):
        sparse = n_exp > 0 and li not in mlp_only and (li + 1) % sparse_step == 0
        lin = dict(attn_lin)
        extra = 0
        if sparse:
            experts = n_exp * 3 * h * moe_i          # fused gate_up (2m×h) + down (h×m) per expert
            experts_total += experts
            extra += experts + n_exp * h              # router weight (E, h): a Parameter, not Linear
            if shared_i:
                lin.update(dense_mlp(shared_i, "mlp.shared_expert."))
                lin["mlp.shared_expert_gate"] = (h, 1)
        else:
            lin.update(dense_mlp(inter))
            if mlp_bias:
                extra += 2 * inter + h
        n = sum(i * o for i, o in lin.values()) - sum(i * o for i, o in attn_lin.values())
        n += attn + norms + extra
        per_layer.append(n)
        if typical is None or (sparse and typical not in sparse_layers):
            typical = li
        if sparse:
            sparse_layers.append(li)
        for name, shape in lin.items():
            linear_shapes[name] = shape
            linear_layers.setdefault(name, []).append(li)

    qc = config.get("quantization_config") or cfg.get("quantization_config") or {}
    qm = str(qc.get("quant_method") or "").lower() or None
    if qm == "bitsandbytes":
        qm = "bnb"
    qbits = qc.get("bits") or (4 if qc.get("load_in_4bit") else 8 if qc.get("load_in_8bit") else None)
    emb = vocab * h
    lm_head = 0 if tied else vocab * h
    total = emb + sum(per_layer) + h + lm_head
    return ModelSpec(
        model_type=mt, num_layers=n_layers, hidden_size=h, intermediate_size=inter,
        vocab_size=vocab, num_heads=n_heads, num_kv_heads=n_kv, head_dim=d, tied=tied,
        params_total=total, params_embedding=emb,
        params_per_layer=per_layer[typical or 0] if per_layer else 0,
        params_layers=sum(per_layer), params_lm_head=lm_head,
        linear_modules=linear_shapes,
        linear_counts={k: len(v) for k, v in linear_layers.items()},
        linear_layers={k: tuple(v) for k, v in linear_layers.items()},
        num_experts=n_exp, experts_per_token=topk, moe_intermediate_size=moe_i,
        shared_expert_intermediate_size=shared_i, params_experts=experts_total,
        max_position_embeddings=cfg.get("max_position_embeddings"),
        quant_method=qm, quant_bits=int(qbits) if qbits else None,
        notes=tuple(notes),
    )


def _matches(full_name: str, short: str, targets: str | Iterable[str]) -> bool:
    """peft semantics: a str is a regex that must fully match the module's full name; a list
    matches a module whose name equals an entry or ends with '.' + entry."""
    if isinstance(targets, str):
        return re.fullmatch(targets, full_name) is not None
    return any(full_name == t or full_name.endswith("." + t) or short == t for t in targets)


def lora_trainable_params(spec: ModelSpec, rank: int,
                          target_modules: str | Iterable[str] = "all-linear",
                          dora: bool = False) -> int:
    """Trainable parameters that LoRA adds: Σ over targeted Linear(in,out) of r·(in + out),
    plus ``out`` per module for DoRA's magnitude vector.

    ``'all-linear'`` (peft/ms-swift) targets every nn.Linear inside the decoder layers and never
    the output layer; MoE routed experts are fused 3-D parameters, not Linear, so they are not
    targeted. ``embed_tokens`` / ``lm_head`` in a list add r·(V+h) each (LoRA embedding / Linear).
    """
    if isinstance(target_modules, str) and target_modules.lower() in ("all-linear", "all_linear"):
        return sum(spec.linear_counts[n] * (rank * (i + o) + (o if dora else 0))
                   for n, (i, o) in spec.linear_modules.items())
    total = 0
    for name, (i, o) in spec.linear_modules.items():
        short = name.rsplit(".", 1)[-1]
        # Count layer by layer so a regex naming specific layer indices is honoured.
        hits = sum(_matches(f"model.layers.{li}.{name}", short, target_modules)
                   for li in spec.linear_layers.get(name, range(spec.linear_counts[name])))
        total += hits * (rank * (i + o) + (o if dora else 0))
    vh = spec.vocab_size + spec.hidden_size
    if not isinstance(target_modules, str):
        tset = set(target_modules)
        if "embed_tokens" in tset:
            total += rank * vh + (spec.hidden_size if dora else 0)
        if "lm_head" in tset:
            total += rank * vh + (spec.vocab_size if dora else 0)
    return total


def load_model_config(model_dir_or_id: str, use_hf: bool | None = None,
                      download: bool = True) -> dict[str, Any]:
    """Read a model's config.json (local dir, path to the file, or a hub id: cache first, then
    config.json alone from ModelScope / Hugging Face).

    Thin I/O wrapper kept apart from the pure code above; see :mod:`hardware.loaders`.
    """
    from .loaders import load_model_config as _load
    return _load(model_dir_or_id, use_hf=use_hf, download=download)
