"""`swift pt`: continued pre-training on raw text (every token is a label), packed to --max_length."""
from __future__ import annotations

from swift_cli.commands import sft

CONFIG = sft.SftConfig  # the same flags as sft (the one renderer and the wizard read this)


def main(argv: list[str], prog: str = "swift pt") -> int:
    return sft.main(argv, prog=prog, task="pt", summary="Continued pre-training on raw text (txt lines, or "
                    "`text` fields), packed into --max_length sequences; the same flags as sft.")
