"""--dry_run prints the command that runs the same training: the algorithm, the user's options and the
planner's flags, nothing that acts once (engine lane: the command imports the engines to decide the device)."""
from __future__ import annotations

import shlex

from swift_cli.commands.rlhf import RlhfConfig
from swift_cli.options.parse import parse_command


def test_rlhf_dry_run_prints_the_same_algorithm(run_swift, tiny_model):
    proc = run_swift("rlhf", "--rlhf_type", "orpo", "--model", tiny_model, "--dataset", "tiny-preferences",
                     "--dry_run", "true")
    assert proc.returncode == 0, proc.stderr
    line = [x for x in proc.stdout.splitlines() if x.startswith("swift ")][-1]
    assert line.startswith("swift rlhf --rlhf_type orpo ") and "--dry_run" not in line
    _, cfg = parse_command(RlhfConfig, shlex.split(line)[2:])
    assert cfg.rlhf.rlhf_type == "orpo" and cfg.data.dataset == ["tiny-preferences"]
