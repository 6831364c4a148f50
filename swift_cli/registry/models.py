"""The curated model table used by `swift list models`, `swift plan` and the wizard's model picker."""
from __future__ import annotations

from dataclasses import dataclass


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


# Filled out by the registry work (issue 8); the interface above is what callers rely on.
MODELS: tuple[ModelEntry, ...] = (
    ModelEntry("qwen2.5-0.5b-instruct", "Qwen/Qwen2.5-0.5B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct", 0.49, "qwen2",
               32768, "apache-2.0"),
    ModelEntry("qwen2.5-7b-instruct", "Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct", 7.62, "qwen2",
               32768, "apache-2.0"),
)


def find_model(name: str) -> ModelEntry | None:
    """The entry whose key, ModelScope id or HF id equals `name` (case-insensitive), else None."""
    low = name.lower()
    for entry in MODELS:
        if low in (entry.key, (entry.ms_id or "").lower(), (entry.hf_id or "").lower()):
            return entry
    return None
