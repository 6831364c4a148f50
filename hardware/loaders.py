"""Thin I/O helpers kept apart from the pure modules: read a model's config.json.

``load_model_config`` accepts a local directory (one holding only config.json is enough), a path
to a JSON file, or a hub id. For a hub id it looks in the local Hugging Face / ModelScope caches
first and only then downloads config.json alone (never weights) through huggingface_hub or
modelscope, whichever is installed; ``USE_HF=1`` / ``use_hf=True`` prefers Hugging Face.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def _read(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: config.json is not a JSON object")
    return data


def load_model_config(model_dir_or_id: str, use_hf: bool | None = None,
                      download: bool = True) -> dict[str, Any]:
    """Return the parsed config.json for a local model or a hub id.

    Raises FileNotFoundError (one-line message) when it cannot be found or fetched.
    """
    p = Path(os.path.expanduser(str(model_dir_or_id)))
    if p.is_dir():
        cfg = p / "config.json"
        if not cfg.is_file():
            raise FileNotFoundError(f"{p}: no config.json in this directory")
        return _read(cfg)
    if p.is_file():
        return _read(p)
    model_id = str(model_dir_or_id)
    if use_hf is None:
        use_hf = os.environ.get("USE_HF", "").lower() in ("1", "true", "yes")
    order = ("hf", "ms") if use_hf else ("ms", "hf")
    # Cached copies first: planning should work offline for models already downloaded.
    for hub in order:
        cached = _cached(hub, model_id)
        if cached:
            return _read(Path(cached))
    # A name from the curated registry (qwen2.5-7b-instruct, or its hub ids): its recorded shape, offline.
    registry = registry_config(model_id)
    if registry:
        return registry
    errors: list[str] = []
    if download:
        for hub in order:
            try:
                got = _download(hub, model_id)
            except Exception as e:  # network, auth, missing package: try the next hub
                errors.append(f"{hub}: {type(e).__name__}")
                continue
            if got:
                return _read(Path(got))
    why = f" ({'; '.join(errors)})" if errors else ""
    raise FileNotFoundError(f"{model_id}: no local directory and config.json could not be fetched{why}")


def registry_config(name: str) -> dict[str, Any] | None:
    """config.json keys rebuilt from swift_cli's model registry entry for `name` (None when not listed)."""
    try:
        from swift_cli.registry.models import config_for, find_model
    except ImportError:  # hardware/ used without the CLI package
        return None
    entry = find_model(name)
    return config_for(entry) if entry else None


def _cached(hub: str, model_id: str) -> str | None:
    try:
        if hub == "hf":
            from huggingface_hub import try_to_load_from_cache
            got = try_to_load_from_cache(model_id, "config.json")
            return got if isinstance(got, str) else None
        base = Path(os.environ.get("MODELSCOPE_CACHE", Path.home() / ".cache" / "modelscope"))
        for cand in (base / "hub" / "models" / model_id / "config.json",
                     base / "hub" / model_id / "config.json"):
            if cand.is_file():
                return str(cand)
    except Exception:
        return None
    return None


def _download(hub: str, model_id: str) -> str | None:
    if hub == "hf":
        from huggingface_hub import hf_hub_download
        return hf_hub_download(model_id, "config.json")
    from modelscope.hub.file_download import model_file_download
    return model_file_download(model_id, "config.json")
