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


def test_strict_refuses_before_any_download(run_swift, tmp_path):
    """--strict is decided from config.json alone: a hub id whose run cannot fit is refused before its weights are
    fetched (the registry knows the shape offline) and before a run folder exists."""
    proc = run_swift("sft", "--model", "Qwen/Qwen2.5-7B-Instruct", "--dataset", "self-cognition", "--hardware", "t4",
                     "--train_type", "full", "--gradient_checkpointing", "false", "--strict", "true",
                     "--output_dir", str(tmp_path / "out"))
    assert proc.returncode == 3, proc.stderr[-1500:]   # RequirementError, as before
    last = proc.stderr.strip().splitlines()[-1]
    assert "--strict" in last and "nearest change that fits" in last and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
