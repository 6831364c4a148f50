"""Which engine answers when --infer_backend is not given (deploy, infer, eval; the wizard's "chat with it" runs
infer). What the user gave is kept; unset, $YICHUI_INFER_BACKEND fills it when set, else: on a machine without an
accelerator llama.cpp when llama-cpp-python is installed and the model converts to GGUF (several times faster
than transformers on CPU; the HF folder is converted once and cached), pt otherwise. A note says which and why."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def why_not_llamacpp(model_args, merge_lora: bool | None = None, need_base: bool = False) -> str | None:
    """A reason llama.cpp cannot serve these --model/--adapters as they are, or None (cheap checks, no loading)."""
    import importlib.util

    from swift_cli.engine import models
    from swift_cli.engine.export.gguf_writer import check_supported
    from swift_cli.engine.generate import resolve_for_inference

    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (pip install 'yichui[llamacpp]')"
    if models.pick_device(False) != "cpu":
        return "an accelerator is present"
    adapters = models.parse_adapters(model_args.adapters)
    if len(adapters) > 1 or (adapters and (need_base or merge_lora is False)):
        return "the adapters are served unmerged"
    path = Path(str(resolve_for_inference(model_args)[0]))
    if path.suffix.lower() == ".gguf":
        return None if path.is_file() and not adapters else "a .gguf model takes no --adapters"
    config = path / "config.json"
    if not config.is_file():
        return "the model is not a local folder"
    data = json.loads(config.read_text(encoding="utf-8"))
    if "vision_config" in data or data.get("quantization_config"):
        return "image-text and quantized models stay on transformers"
    return check_supported(data)


def choose_backend(cfg, need_base: bool = False) -> str:
    """The backend to run: the flag when given (transformers means pt), else the automatic choice above."""
    from swift_cli.options.declare import given

    backend = cfg.backend.infer_backend
    if "infer_backend" not in given(cfg):
        backend = os.environ.get("YICHUI_INFER_BACKEND") or _auto(cfg, need_base)
    return "pt" if backend == "transformers" else backend


def _auto(cfg, need_base: bool) -> str:
    merge = getattr(getattr(cfg, "merge", None), "merge_lora", None)
    if why_not_llamacpp(cfg.model, merge, need_base) is not None:
        return "pt"
    from swift_cli.engine.serve.gguf_cache import gguf_for
    from swift_cli.errors import UsageError, VerificationFailed

    try:
        gguf_for(cfg.model)  # converts once (cached), so a model our export cannot write (or verify) stays on pt
    except (UsageError, VerificationFailed) as exc:
        print(f"note: llama.cpp cannot run this model ({exc}); using --infer_backend pt", file=sys.stderr)
        return "pt"
    print("note: no accelerator here: llama.cpp runs the model (several times faster on CPU); "
          "--infer_backend pt keeps transformers (exact parity with training)", file=sys.stderr, flush=True)
    return "llamacpp"


def with_backend(cfg, backend: str):
    """`cfg` with --infer_backend set to the chosen engine (frozen configs: a copy)."""
    import dataclasses

    if cfg.backend.infer_backend == backend:
        return cfg
    return dataclasses.replace(cfg, backend=dataclasses.replace(cfg.backend, infer_backend=backend))
