"""`swift validate-dataset FILE...`: every bad row with its line number and why; non-zero exit if any."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.errors import UsageError
from swift_cli.options.declare import opt


@dataclass(frozen=True)
class ValidateArgs:
    """What to check."""

    task: str = opt("sft", "What the rows are for", choices=("sft", "pt", "dpo", "orpo", "cpo", "simpo", "kto"))
    dataset: list[str] = opt([], "Files or names (also accepted as positional arguments)")
    model: str | None = opt(None, "Image-text rows: the model whose tokenizer and image processor count tokens "
                            "(checks --max_length)")
    max_length: int = opt(2048, "Image-text rows: longest tokenized row (with --model)")
    max_pixels: int | None = opt(None, "Image-text rows: largest image area (else MAX_PIXELS, else the model's)")


@dataclass(frozen=True)
class ValidateConfig:
    check: ValidateArgs


def main(argv: list[str], prog: str = "swift validate-dataset") -> int:
    pos, cfg = parse(ValidateConfig, argv, prog, "Check dataset files row by row.", positionals=64,
                     usage_tail=" FILE ...")
    files = pos + cfg.check.dataset
    if not files:
        raise UsageError("name at least one dataset file")
    from swift_cli.engine.data.build import collect

    total_bad = 0
    from swift_cli.engine.vl.check import check_vl, is_vl_dataset

    c = cfg.check
    for f in files:
        if is_vl_dataset(f):  # rows with images: tags vs images, image files, image tokens vs --max_length
            good, problems = check_vl(f, c.model, c.max_length, c.max_pixels)
        else:
            items, problems = collect([f], c.task, model_name=[], model_author=[], seed=0)
            good = len(items)
        for line in problems:
            print(line)
        total_bad += len(problems)
        status = "ok" if not problems else f"{len(problems)} bad"
        print(f"{f}: {good} good rows, {status}")
    if total_bad:
        raise UsageError(f"{total_bad} bad row(s) in {len(files)} file(s)")
    return 0
