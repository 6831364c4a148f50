"""`swift dpo` = `swift rlhf --rlhf_type dpo`."""
from __future__ import annotations

from swift_cli.commands import rlhf

CONFIG = rlhf.RlhfConfig  # `swift dpo` parses the rlhf flags


def main(argv: list[str], prog: str = "swift dpo") -> int:
    return rlhf.main(argv, prog=prog, fixed_type="dpo")
