"""Optional dependency groups ("extras") as data, and the one check a command makes before it needs one.

The core install runs the main job (download, sft, infer, deploy, export to GGUF, the wizard). Everything else is
an extra, the way ms-swift splits its own: `pip install 'yichui[eval]'`, or through the one-liner
`bash scripts/yichuidingyin.sh --extras eval`. A command whose extra is missing stops before anything heavy with
one line naming the exact install command (exit 3, RequirementError). Pure: no engine import here.
"""
from __future__ import annotations

import importlib.util

from swift_cli.errors import RequirementError

# extra name -> (what it is for, the import names that prove it is installed)
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "eval": ("swift eval (EvalScope benchmarks, math answers)", ("evalscope", "math_verify")),
    "quant": ("swift quantize / export --quant_method hqq|quanto|torchao|bnb", ("hqq", "optimum.quanto", "torchao")),
    "onnx": ("swift export --to_onnx", ("onnx", "onnxscript", "onnxruntime")),
    "tensorboard": ("--report_to tensorboard", ("tensorboard",)),
    "llamacpp": ("--infer_backend llamacpp and running exported GGUFs", ("llama_cpp",)),
    "web": ("swift web-ui / swift app", ("jinja2",)),
    "bot": ("swift bot --platform discord|slack, and an S3 artifact store", ("discord", "slack_bolt", "boto3")),
    "vllm": ("--infer_backend vllm, GRPO with vLLM (CUDA only)", ("vllm",)),
    "deepspeed": ("--deepspeed (CUDA)", ("deepspeed",)),
    "gptq": ("--quant_method gptq (CUDA)", ("gptqmodel",)),
    "awq": ("--quant_method awq (CUDA)", ("awq",)),
}


def install_command(extra: str) -> str:
    """The exact command that adds `extra` to the yichui venv (the one-liner reuses everything else)."""
    return f"bash scripts/yichuidingyin.sh --install-only --extras {extra}  (or: pip install 'yichui[{extra}]')"


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken half-install
        return False


def missing_modules(extra: str) -> list[str]:
    """The import names of `extra` that are not installed here (empty when the extra is present)."""
    _, modules = EXTRAS[extra]
    return [m for m in modules if not _present(m)]


def has_extra(extra: str) -> bool:
    return not missing_modules(extra)


def require_extra(extra: str, flag: str = "") -> None:
    """Raise one line (exit 3) naming what needs `extra` and the command that installs it."""
    missing = missing_modules(extra)
    if not missing:
        return
    purpose, _ = EXTRAS[extra]
    what = f"{flag} needs" if flag else f"{purpose} needs"
    raise RequirementError(f"{what} the '{extra}' extra ({', '.join(missing)} not installed); install it with: "
                           f"{install_command(extra)}")
