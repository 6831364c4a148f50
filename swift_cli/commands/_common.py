"""Shared steps of command bodies: parse-or-help, validation reporting."""
from __future__ import annotations

import sys
from typing import Any

from swift_cli.errors import UsageError
from swift_cli.options.help import render_help
from swift_cli.options.parse import parse_command

HELP_FLAGS = {"--help", "-h"}


def parse(config_cls: type, argv: list[str], prog: str, summary: str, positionals: int = 0,
          usage_tail: str = "") -> tuple[list[str], Any]:
    """Parse argv into the command's config; print help and exit 0 on --help."""
    if HELP_FLAGS & set(argv):
        render_help(config_cls, prog, summary, usage_tail)
        raise SystemExit(0)
    pos, cfg = parse_command(config_cls, argv, positionals_allowed=positionals > 0)
    from swift_cli.options import compat

    compat.check(cfg, prog.split()[-1])
    if len(pos) > positionals:
        extra = pos[positionals]
        raise UsageError(f"unexpected argument {extra!r} (options start with --; see {prog} --help)")
    return pos, cfg


def fail_on(problems: list[str]) -> None:
    """Print every problem (one line each) and exit 2 when there are any."""
    if not problems:
        return
    for line in problems[:-1]:
        print(f"error: {line}", file=sys.stderr)
    raise UsageError(problems[-1])
