"""`swift doctor`: pass/fail lines for the things a run needs, with the fix for each failure."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.options.declare import opt


@dataclass(frozen=True)
class DoctorArgs:
    """What to check."""

    network: bool = opt(True, "Also check that the hubs answer")
    json: bool = opt(False, "One JSON object per check")


@dataclass(frozen=True)
class DoctorConfig:
    doctor: DoctorArgs


def main(argv: list[str], prog: str = "swift doctor") -> int:
    _, cfg = parse(DoctorConfig, argv, prog, "Check python, torch, drivers, NCCL, disk, engines and hub reachability.")
    from hardware.doctor import run_checks

    checks = run_checks(network=cfg.doctor.network)
    for c in checks:
        if cfg.doctor.json:
            import json

            print(json.dumps(c.to_dict(), ensure_ascii=False))
            continue
        mark = "ok  " if c.ok else "FAIL"
        print(f"[{mark}] {c.name}: {c.detail}" + ("" if c.ok or not c.fix else f" -> fix: {c.fix}"))
    return 0 if all(c.ok for c in checks) else 1
