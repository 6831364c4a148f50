"""`--infer_backend vllm`: run vLLM's own OpenAI-compatible server with our flags mapped onto its flags."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Callable

from swift_cli.errors import RequirementError, UsageError

LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)  # the max_lora_rank values vLLM accepts
DTYPES = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}


def missing_for_vllm() -> str | None:
    """What this machine lacks for the vllm backend, or None."""
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        return "vllm is not installed (pip install 'yichui[vllm]')"
    import torch

    if not torch.cuda.is_available():
        return "no CUDA GPU is visible (vllm needs one)"
    return None


def adapter_rank(path: Path) -> int:
    """Largest LoRA rank in an adapter's adapter_config.json (r and rank_pattern)."""
    cfg = json.loads((Path(path) / "adapter_config.json").read_text(encoding="utf-8"))
    return max([int(cfg.get("r") or 8), *map(int, (cfg.get("rank_pattern") or {}).values())])


def vllm_command(model: str, serve, *, served_name: str, adapters: dict[str, str] | None = None,
                 lora_rank: int | None = None, dtype: str = "auto", chat_template: str | None = None,
                 executable: str | None = "vllm", python: str = sys.executable) -> list[str]:
    """The vLLM server command for our flags (pure: no I/O). The API key travels in VLLM_API_KEY, not argv."""
    if executable:
        cmd = [executable, "serve", model]
    else:
        cmd = [python, "-m", "vllm.entrypoints.openai.api_server", "--model", model]
    cmd += ["--host", serve.host, "--port", str(serve.port), "--served-model-name", served_name,
            "--gpu-memory-utilization", str(serve.gpu_memory_utilization),
            "--tensor-parallel-size", str(serve.tensor_parallel_size), "--max-num-seqs", str(serve.max_batch_size)]
    if serve.max_model_len:
        cmd += ["--max-model-len", str(serve.max_model_len)]
    if dtype and dtype != "auto":
        cmd += ["--dtype", DTYPES.get(dtype, dtype)]
    if serve.enforce_eager:
        cmd += ["--enforce-eager"]
    if chat_template:
        cmd += ["--chat-template", chat_template]
    if adapters:
        rank = serve.max_lora_rank or next((r for r in LORA_RANKS if r >= (lora_rank or 8)), lora_rank or 8)
        cmd += ["--enable-lora", "--max-loras", str(len(adapters)), "--max-lora-rank", str(rank),
                "--lora-modules", *[f"{name}={path}" for name, path in adapters.items()]]
    return cmd


def vllm_env(api_key: str | None, base: dict | None = None) -> dict:
    env = dict(os.environ if base is None else base)
    if api_key:
        env["VLLM_API_KEY"] = api_key  # vLLM reads it like --api-key; kept out of the process list
    return env


def _full_modules(path: Path) -> list[str]:
    return json.loads((Path(path) / "adapter_config.json").read_text(encoding="utf-8")).get("modules_to_save") or []


def _merge_full_module_adapters(model_dir, adapters: dict, served: str | None):
    """vLLM loads LoRA adapters without modules_to_save only: one such adapter is merged into the base once (cached)
    and served under its name; several are refused in one line."""
    full = {name: _full_modules(path) for name, path in adapters.items()}
    full = {name: mods for name, mods in full.items() if mods}
    if not full:
        return model_dir, adapters, served
    if len(adapters) > 1:
        name, mods = next(iter(full.items()))
        raise UsageError(f"--adapters {name}: it also trains {', '.join(mods)} in full, which vLLM cannot load as an "
                         "adapter; serve it alone (it is merged once) or with --infer_backend pt")
    from swift_cli.engine.serve.merged_cache import merged_for

    (name, path), = adapters.items()
    print(f"note: adapter {name} also trains {', '.join(full[name])} in full, which vLLM cannot load as an adapter: "
          "serving base + adapter merged", file=sys.stderr, flush=True)
    return merged_for(model_dir, path), {}, served or name


def launch(cfg, check: Callable[[], str | None] = missing_for_vllm,
           run: Callable[[list[str], dict], int] | None = None) -> int:
    """Replace this process with vLLM's server (or hand the command to `run`, for tests)."""
    problem = check()
    if problem:
        raise RequirementError(f"--infer_backend vllm: {problem}; --infer_backend pt serves without it")
    from swift_cli.engine import models
    from swift_cli.engine.generate import resolve_for_inference

    model, template, system, dtype = resolve_for_inference(cfg.model)
    model_dir = models.resolve_model_dir(model, use_hf=cfg.model.use_hf, revision=cfg.model.revision,
                                         token=cfg.model.hub_token)
    adapters = models.parse_adapters(cfg.model.adapters)
    model_dir, adapters, served = _merge_full_module_adapters(model_dir, adapters, cfg.serve.served_model_name)
    if system:
        print("warning: vLLM's server does not add --system; clients send it as a system message", file=sys.stderr)
    served = served or Path(str(model).rstrip("/")).name
    cmd = vllm_command(str(model_dir), cfg.serve, served_name=served,
                       adapters={k: str(v) for k, v in adapters.items()},
                       lora_rank=max(map(adapter_rank, adapters.values()), default=None), dtype=dtype,
                       chat_template=models.TEMPLATES.get(template) if template else None,
                       executable=shutil.which("vllm"))
    env = vllm_env(cfg.serve.api_key or os.environ.get("YICHUI_API_KEY"))
    print(f"starting vLLM: {shlex.join(cmd)}", flush=True)
    if run is not None:
        return run(cmd, env)
    os.execvpe(cmd[0], cmd, env)  # SIGTERM / Ctrl-C go straight to vLLM, which shuts down cleanly
    return 0  # not reached
