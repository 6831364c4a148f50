"""`swift export --adapters CKPT --merge_lora true`: adapters merged into an unquantized base through peft."""
from __future__ import annotations

import shutil
from pathlib import Path

from swift_cli.engine.export import flow, source
from swift_cli.engine.export.verify import TorchRunner
from swift_cli.engine.vl.processor import copy_processor_files, model_class

MERGE_TOL = {"float32": 1e-3, "float16": 5e-2, "bfloat16": 2.5e-1}


def default_target(src: source.Source) -> Path:
    return Path(f"{src.stem}-merged")


def run_merge(src: source.Source, target: Path, out, export, opts: flow.VerifyOptions) -> dict:
    """Merge, save sharded safetensors + tokenizer + template + generation config, verify against the adapter."""
    import torch

    tokenizer = source.load_tokenizer(src)
    with flow.step("loading the base with its adapters"):
        model = source.load_model(src, merge=False)
    eos = source.eos_ids(tokenizer, model)
    src_fp = flow.source_fingerprint(TorchRunner(model, eos, tokenizer.pad_token_id), tokenizer, src.system, opts,
                                     with_ppl=False)
    merged = model.merge_and_unload()
    n_params = source.param_count(merged)
    save_dtype = _save_dtype(src)
    ckpt = next(iter(src.adapters.values()))

    def write(tmp: Path) -> dict:
        merged.to(getattr(torch, save_dtype)).save_pretrained(tmp, max_shard_size=export.max_shard_size,
                                                                safe_serialization=export.safe_serialization)
        tokenizer.save_pretrained(tmp)
        copy_processor_files(src.model_dir, tmp)  # image-text models: the image processor travels with it
        for folder in (Path(ckpt), Path(ckpt).parent):  # provenance: the run that made the adapter
            if (folder / "args.json").is_file():
                shutil.copy(folder / "args.json", tmp / "args.json")
                break
        return {"dtype": save_dtype, "adapters": {k: str(v) for k, v in src.adapters.items()},
                "base": str(src.model_dir), "source_params": n_params}

    def reload(tmp: Path):
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(tmp)
        m = model_class(tmp).from_pretrained(tmp, dtype=torch.float32).eval()
        return TorchRunner(m, eos, tok.pad_token_id), tok

    criteria = flow.Criteria(True, MERGE_TOL[save_dtype], 1.0 if save_dtype == "float32" else 0.9)
    return flow.produce("merged model", target, out.exist_ok, write, reload, src_fp, src.system, opts, criteria)


def _save_dtype(src: source.Source) -> str:
    """--torch_dtype when given, else the base's own dtype (a bf16 base stays bf16 on disk)."""
    aliases = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}
    name = aliases.get(src.dtype_name, src.dtype_name)
    if name == "auto":
        name = src.config.get("dtype") or src.config.get("torch_dtype") or "float32"
    return name if name in MERGE_TOL else "float32"
