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
    for f in files:
        items, problems = collect([f], cfg.check.task, model_name=[], model_author=[], seed=0)
        for line in problems:
            print(line)
        total_bad += len(problems)
        status = "ok" if not problems else f"{len(problems)} bad"
        print(f"{f}: {len(items)} good rows, {status}")
    if total_bad:
        raise UsageError(f"{total_bad} bad row(s) in {len(files)} file(s)")
    return 0
