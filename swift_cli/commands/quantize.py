"""`swift quantize`: post-training quantization (hqq, quanto, torchao, bnb on CPU; gptq/awq on CUDA), verified
by reloading: size on disk, max |Δlogit|, greedy agreement and held-out perplexity against the source."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import fail_on, parse
from swift_cli.options.export import UNRUNNABLE_QUANT, OutputArgs, PushArgs, QuantizeArgs
from swift_cli.options.groups import ModelArgs

SUMMARY = ("Quantize a model (or adapters merged onto their base) to 4 or 8 bits; writes --output_dir with "
           "verification.json. Same as `swift export --quant_method ...`.")


@dataclass(frozen=True)
class QuantizeConfig:
    model: ModelArgs
    quant: QuantizeArgs
    output: OutputArgs
    push: PushArgs


def main(argv: list[str], prog: str = "swift quantize") -> int:
    from swift_cli.commands import export
    from swift_cli.options.declare import build_config, flat_dict

    _, cfg = parse(QuantizeConfig, argv, prog, SUMMARY)
    if cfg.quant.quant_method is None:
        fail_on(["--quant_method is required: hqq, quanto, torchao, bnb (CPU) or gptq, awq (CUDA)"])
    ecfg = build_config(export.ExportConfig, flat_dict(cfg, redact=False))
    if cfg.quant.quant_method in UNRUNNABLE_QUANT:
        export.require_extras(ecfg)
    problems, src = export.validate(ecfg)
    fail_on(problems)
    export.require_extras(ecfg)
    return export.execute(ecfg, src)
