"""`swift tiny-model`: build the built-in tiny chat model offline (the demo's default, the tests' fixture)."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.errors import UsageError
from swift_cli.options.declare import opt


@dataclass(frozen=True)
class TinyArgs:
    """The tiny model to build."""

    arch: str = opt("qwen2", "Architecture", choices=("qwen2", "llama", "qwen2_vl"))
    out: str = opt("tiny", "Directory to create", aliases=("output_dir", "out_dir"))
    seed: int = opt(0, "Seed for the weights (same seed, same bytes)")
    overwrite: bool = opt(False, "Replace an existing directory")


@dataclass(frozen=True)
class TinyConfig:
    tiny: TinyArgs


def main(argv: list[str], prog: str = "swift tiny-model") -> int:
    _, cfg = parse(TinyConfig, argv, prog, "Build a few-MB random Qwen2/Llama chat model (qwen2_vl: image-text, "
                   "with a processor) with a locally trained byte-level BPE tokenizer (English + Chinese) and a ChatML template.")
    from swift_cli.engine.tiny_model import build_tiny_model
    from swift_cli.engine.tiny_vl_model import build_tiny_vl_model

    t = cfg.tiny
    try:
        if t.arch == "qwen2_vl":  # vision tower + merger + decoder + processor
            out = build_tiny_vl_model(t.out, seed=t.seed, overwrite=t.overwrite)
        else:
            out = build_tiny_model(t.out, arch=t.arch, seed=t.seed, overwrite=t.overwrite)
    except FileExistsError:
        raise UsageError(f"--out {cfg.tiny.out}: exists and is not empty; pass --overwrite true") from None
    size = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    print(f"built {cfg.tiny.arch} tiny model in {out} ({size / 2**20:.1f} MiB)")
    return 0
