"""`swift export`: merge LoRA, write GGUF / Ollama / ONNX, quantize (ms-swift's --quant_method) or push —
each artifact reloaded by an independent reader and compared with its source before it counts as done."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swift_cli.options.compat import compat_group
from swift_cli.commands._common import fail_on, parse
from swift_cli.errors import UsageError
from swift_cli.options.export import (UNRUNNABLE_QUANT, ExportArgs, GgufArgs, OnnxArgs, OutputArgs, PushArgs,
                                      QuantizeArgs)
from swift_cli.options.groups import ModelArgs

SUMMARY = ("Merge adapters (<ckpt>-merged/), write GGUF/Ollama/ONNX, quantize or push; every artifact is "
           "verified by reloading it (verification.json).")


MsExportArgs = compat_group("export", ModelArgs, ExportArgs, OutputArgs, GgufArgs, OnnxArgs, QuantizeArgs, PushArgs)


@dataclass(frozen=True)
class ExportConfig:
    model: ModelArgs
    export: ExportArgs
    output: OutputArgs
    gguf: GgufArgs
    onnx: OnnxArgs
    quant: QuantizeArgs
    push: PushArgs
    ms: MsExportArgs


def target_format(cfg) -> str | None:
    return "ollama" if cfg.export.to_ollama else cfg.export.to


# the extra each target or quantizer needs beyond the core (GGUF / Ollama, bnb and merging are core)
EXTRA_FOR = {"onnx": "onnx", "hqq": "quant", "quanto": "quant", "torchao": "quant"}  # gptq/awq: CUDA + extra, checked by the engine


def require_extras(cfg) -> None:
    """Stop in one line (exit 3, with the install command) when the chosen format or quantizer's extra is missing,
    or when the quantizer cannot run here at all."""
    from swift_cli.errors import RequirementError
    from swift_cli.extras import require_extra
    from swift_cli.options.export import UNRUNNABLE_QUANT

    if cfg.quant.quant_method in UNRUNNABLE_QUANT:
        raise RequirementError(f"--quant_method {cfg.quant.quant_method}: {UNRUNNABLE_QUANT[cfg.quant.quant_method]};"
                               " here: --quant_method gptq/awq on CUDA, or hqq, quanto, torchao, bnb on any machine")

    fmt, method = target_format(cfg), cfg.quant.quant_method
    if fmt in EXTRA_FOR:
        require_extra(EXTRA_FOR[fmt], flag=f"--to {fmt}")
    if method in EXTRA_FOR:
        require_extra(EXTRA_FOR[method], flag=f"--quant_method {method}")


def validate(cfg) -> tuple[list[str], object | None]:
    """Every problem (one line each) and the resolved source when it could be resolved."""
    from swift_cli.engine.export import flow, gguf_writer, merge, quantizers
    from swift_cli.engine.export.source import resolve_source

    problems: list[str] = []
    src = None
    if not cfg.model.model and not cfg.model.adapters:
        problems.append("--model or --adapters is required")
    else:
        try:
            src = resolve_source(cfg.model)
        except UsageError as exc:
            problems.append(str(exc))
    fmt = target_format(cfg)
    if cfg.export.to and cfg.export.to_ollama and cfg.export.to != "ollama":
        problems.append(f"--to_ollama true contradicts --to {cfg.export.to}")
    if not (cfg.export.merge_lora or fmt or cfg.quant.quant_method or cfg.push.push_to_hub):
        problems.append("nothing to do: pass --merge_lora true, --to gguf|ollama|onnx, --quant_method "
                        "hqq|quanto|torchao|bnb|gptq|awq, or --push_to_hub true")
    if fmt and cfg.quant.quant_method:
        problems.append(f"--to {fmt} and --quant_method {cfg.quant.quant_method}: one at a time "
                        "(GGUF has its own --gguf_type q8_0/q4_0...)")
    if cfg.export.merge_lora and not cfg.model.adapters:
        problems.append("--merge_lora true needs --adapters CKPT")
    if cfg.quant.quant_method:
        problems.extend(quantizers.check_options(cfg.quant))
    if cfg.push.push_to_hub and not cfg.push.hub_model_id:
        problems.append("--push_to_hub true needs --hub_model_id Owner/Name")
    if cfg.push.push_to_hub:
        from swift_cli.engine.export.push import token_for

        try:
            token_for(cfg.model.use_hf, cfg.model.hub_token)
        except UsageError as exc:
            problems.append(str(exc))
    if cfg.push.hub_model_id and cfg.push.hub_model_id.count("/") != 1:
        problems.append(f"--hub_model_id {cfg.push.hub_model_id}: expected Owner/Name")
    o = cfg.output
    if o.verify_prompts < 1 or o.verify_tokens < 1:
        problems.append("--verify_prompts and --verify_tokens must be at least 1")
    if src is not None:
        if fmt in ("gguf", "ollama") and src.config:
            p = gguf_writer.check_supported(src.config)
            if p:
                problems.append(p)
        if cfg.export.merge_lora:
            tgt = Path(o.output_dir) if o.output_dir and not (fmt or cfg.quant.quant_method) else merge.default_target(src)
            problems.append(flow.check_target(tgt, o.exist_ok, "--output_dir" if o.output_dir else "merged folder"))
        if fmt or cfg.quant.quant_method:
            problems.append(flow.check_target(final_target(cfg, src), o.exist_ok))
    return [p for p in problems if p], src


def final_target(cfg, src) -> Path:
    """Where the last artifact goes: --output_dir, else a folder named after the source."""
    from swift_cli.engine.export import formats, merge, quantizers

    if cfg.output.output_dir:
        return Path(cfg.output.output_dir)
    fmt = target_format(cfg)
    if fmt:
        return formats.default_target(src, fmt)
    if cfg.quant.quant_method:
        return quantizers.default_target(src, cfg.quant.quant_method, cfg.quant.quant_bits)
    return merge.default_target(src)


def main(argv: list[str], prog: str = "swift export") -> int:
    _, cfg = parse(ExportConfig, argv, prog, SUMMARY)
    if cfg.quant.quant_method in UNRUNNABLE_QUANT:
        require_extras(cfg)  # before validation, which knows only the quantizers that run here
    problems, src = validate(cfg)
    fail_on(problems)
    require_extras(cfg)
    return execute(cfg, src)


def execute(cfg, src) -> int:
    """Run the requested steps in order: merge → (gguf | ollama | onnx | quantize) → push."""
    from swift_cli.engine.export import flow, formats, merge, push, quantizers, source

    source.fetch(src, cfg.model)
    with flow.monitored("export") as mon:
        opts = flow.VerifyOptions(cfg.output.verify, cfg.output.verify_prompts, cfg.output.verify_tokens)
        fmt = target_format(cfg)
        last = None
        if cfg.export.merge_lora:
            last = Path(cfg.output.output_dir) if cfg.output.output_dir and not (fmt or cfg.quant.quant_method) \
                else merge.default_target(src)
            merge.run_merge(src, last, cfg.output, cfg.export, opts)
            # later steps start from the merged folder
            src = source.Source(str(last), {}, None, src.system, "auto", model_dir=last,
                                config=source.json.loads((last / "config.json").read_text(encoding="utf-8")))
        if fmt in ("gguf", "ollama"):
            last = final_target(cfg, src)
            formats.run_gguf(src, last, cfg.output, cfg.gguf, opts, ollama=fmt == "ollama")
        elif fmt == "onnx":
            last = final_target(cfg, src)
            formats.run_onnx(src, last, cfg.output, cfg.onnx, opts)
        elif cfg.quant.quant_method:
            last = final_target(cfg, src)
            quantizers.run_quantize(src, last, cfg.output, cfg.quant, opts, cfg.model)
        if cfg.push.push_to_hub:
            folder = last or src.model_dir
            token = push.token_for(cfg.model.use_hf, cfg.model.hub_token)
            url = push.push_folder(folder, cfg.push.hub_model_id, use_hf=cfg.model.use_hf, token=token,
                                   private=cfg.push.hub_private_repo, message=cfg.push.commit_message)
            print(f"pushed {folder} to {url}")
    print(mon.summary_line())
    return 0
