"""`swift export --to gguf|ollama|onnx`: write the format, read it back with an independent reader, compare."""
from __future__ import annotations

import shutil
from pathlib import Path

from swift_cli.engine.export import flow, source
from swift_cli.engine.export.verify import TorchRunner

# f32 is exact; f16/bf16 round the weights; q* formats are lossy (held-out perplexity bounds the loss).
GGUF_CRITERIA = {"f32": flow.Criteria(True, 1e-3, 1.0), "f16": flow.Criteria(True, 0.1, 0.9),
                 "bf16": flow.Criteria(True, 0.5, 0.8)}
GGUF_BITS = {"q8_0": 8, "q5_0": 5, "q5_1": 5, "q4_0": 4, "q4_1": 4}
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json",
                   "generation_config.json", "config.json")


def default_target(src: source.Source, kind: str) -> Path:
    return Path(f"{src.stem}-{kind}")


def _load(src: source.Source):
    tokenizer = source.load_tokenizer(src)
    with flow.step("loading the source model" + (" and merging its adapters" if src.adapters else "")):
        model = source.load_model(src, merge=True)
    return model, tokenizer


def run_gguf(src: source.Source, target: Path, out, gguf_args, opts: flow.VerifyOptions, ollama: bool) -> dict:
    """One GGUF file (+ Modelfile for Ollama), verified through transformers' GGUF loader."""
    import torch

    from swift_cli.engine.export import gguf_writer
    from swift_cli.engine.export import ollama as ollama_mod

    model, tokenizer = _load(src)
    eos = source.eos_ids(tokenizer, model)
    lossy = gguf_args.gguf_type in GGUF_BITS
    criteria = flow.lossy_criteria(GGUF_BITS[gguf_args.gguf_type]) if lossy else GGUF_CRITERIA[gguf_args.gguf_type]
    src_fp = flow.source_fingerprint(TorchRunner(model, eos, tokenizer.pad_token_id), tokenizer, src.system, opts,
                                     with_ppl=lossy)
    fname = gguf_writer.gguf_filename(gguf_args.gguf_type)
    name = Path(target).name
    warnings: list[str] = []

    def write(tmp: Path) -> dict:
        info = gguf_writer.write_gguf(model, tokenizer, src.model_dir, tmp / fname, gguf_args.gguf_type, name)
        if ollama:
            warnings.extend(ollama_mod.write_modelfile(tmp, fname, tokenizer, src.system,
                                                       model.config.max_position_embeddings))
        return {**info, "gguf_file": fname, "gguf_type": gguf_args.gguf_type,
                "source_params": source.param_count(model)}

    def reload(tmp: Path):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(tmp, gguf_file=fname)  # the tokenizer as the GGUF describes it
        if src.template:
            tok.chat_template = tokenizer.chat_template
        m = AutoModelForCausalLM.from_pretrained(tmp, gguf_file=fname, dtype=torch.float32).eval()
        return TorchRunner(m, eos, tok.pad_token_id), tok

    report = flow.produce("ollama" if ollama else "gguf", target, out.exist_ok, write, reload, src_fp, src.system,
                          opts, criteria)
    for w in warnings:
        print(f"warning: {w}")
    if ollama:
        tag = gguf_args.ollama_name or name.lower().replace("_", "-")
        print(f"next: ollama create {tag} -f {Path(target).absolute() / 'Modelfile'} && ollama run {tag}")
    else:
        print(f"next: llama-cli -m {Path(target).absolute() / fname} -cnv")
    return report


def run_onnx(src: source.Source, target: Path, out, onnx_args, opts: flow.VerifyOptions) -> dict:
    """model.onnx with past key values + tokenizer files, verified with onnxruntime."""
    from swift_cli.engine.export import onnx_export

    model, tokenizer = _load(src)
    eos = source.eos_ids(tokenizer, model)
    src_fp = flow.source_fingerprint(TorchRunner(model, eos, tokenizer.pad_token_id), tokenizer, src.system, opts,
                                     with_ppl=False)
    config = model.config

    def write(tmp: Path) -> dict:
        info = onnx_export.export_onnx(model, tmp, onnx_args.onnx_opset, onnx_args.onnx_past_kv)
        tokenizer.save_pretrained(tmp)
        for f in TOKENIZER_FILES:
            if (src.model_dir / f).is_file() and not (tmp / f).exists():
                shutil.copy(src.model_dir / f, tmp / f)
        return {**info, "source_params": source.param_count(model)}

    def reload(tmp: Path):
        from transformers import AutoTokenizer

        return onnx_export.OrtRunner(tmp / onnx_export.ONNX_FILE, config, eos), AutoTokenizer.from_pretrained(tmp)

    return flow.produce("onnx", target, out.exist_ok, write, reload, src_fp, src.system, opts,
                        flow.Criteria(True, 1e-3, 1.0))
