"""The fine-tune flow in a real pseudo-terminal: menus → tiny model → finished adapter and report; the saved
command replays to the same args.json; the saved recipe parses to the same config."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.wizard.terminal import DOWN, ENTER, answer, finish, spawn

STEPS = 12


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    """Drive the whole fine-tune flow once: main menu → … → report → Exit."""
    tmp = tmp_path_factory.mktemp("wizard_flow")
    out = tmp / "out"
    child = spawn("--output_dir", out, home=tmp / "home")
    answer(child, "What would you like to do", DOWN * 2 + ENTER)            # Fine-tune
    answer(child, "Which model", ENTER)                                     # built-in tiny model
    answer(child, "Which dataset", ENTER)                                   # self-cognition
    answer(child, "model_name", ENTER)                                      # 小锤 Yichui (default)
    answer(child, "model_author", ENTER)
    answer(child, "How to train", ENTER)                                    # LoRA
    answer(child, "Key parameters", DOWN * 3 + ENTER)                       # max_steps
    answer(child, "New value for max_steps", "\x7f" * 6 + f"{STEPS}" + ENTER)
    answer(child, "Key parameters", ENTER)                                  # continue
    answer(child, "Run it", ENTER)
    answer(child, "Next", DOWN * 4 + ENTER)                                 # Exit
    code, screen = finish(child)
    runs = sorted((out / "tiny").glob("v*-*"))
    return {"code": code, "screen": screen, "runs": runs, "out": out}


def test_flow_trains_the_tiny_model_to_an_adapter_and_reports(flow):
    assert flow["code"] == 0, flow["screen"][-3000:]
    (run,) = flow["runs"]
    ckpt = run / f"checkpoint-{STEPS}"
    assert (ckpt / "adapter_config.json").is_file() and (ckpt / "adapter_model.safetensors").is_file()
    assert (run / "loss.png").is_file()
    screen = flow["screen"]
    assert "Memory estimate: fits" in screen
    assert "Report" in screen and "loss plot" in screen and "loss.png" in screen
    assert "who are you?" in screen and "name learned:" in screen
    report = (run / "report.md").read_text(encoding="utf-8")
    assert "| who are you? |" in report and str(ckpt) in report
    assert "Traceback" not in screen


def test_first_estimate_shown_is_the_refined_one(flow):
    """The estimate on the wizard's screen is made from the data's measured token lengths, so it is the same
    figure the run predicts after tokenizing (not every row at --max_length)."""
    import re

    screen = " ".join(flow["screen"].split())
    shown = re.search(r"Memory estimate: fits: ([0-9.]+) of", screen)
    predicted = re.search(r"predicted ([0-9.]+) GiB", screen)
    assert shown and predicted, screen[-3000:]
    assert abs(float(shown.group(1)) - float(predicted.group(1))) <= 0.051, (shown.group(0), predicted.group(0))


def test_confirmation_shows_the_saved_command_and_the_run_used_it(flow):
    (run,) = flow["runs"]
    command = (run / "command.sh").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert command.startswith("swift sft ") and f"--max_steps {STEPS}" in command
    assert command in flow["screen"]  # printed unwrapped on the confirmation screen
    args = json.loads((run / "args.json").read_text(encoding="utf-8"))
    assert args["max_steps"] == STEPS and args["train_type"] == "lora" and args["model_name"] == ["小锤", "Yichui"]


def test_saved_recipe_parses_to_the_same_config_as_the_command(flow):
    from swift_cli.commands.sft import SftConfig
    from swift_cli.options.parse import parse_command

    (run,) = flow["runs"]
    argv = shlex.split((run / "command.sh").read_text(encoding="utf-8").strip().splitlines()[-1])[2:]
    _, from_argv = parse_command(SftConfig, argv)
    _, from_recipe = parse_command(SftConfig, ["--config", str(run / "recipe.yaml")])
    assert from_recipe == from_argv
    assert from_argv.train.max_steps == STEPS


def test_saved_command_replays_to_the_same_args_json(flow):
    (run,) = flow["runs"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", str(run / "command.sh")], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (replay,) = [r for r in sorted((flow["out"] / "tiny").glob("v*-*")) if r != run]
    first, second = (json.loads((r / "args.json").read_text(encoding="utf-8")) for r in (run, replay))
    # Decision: only the run folder differs (timestamped vN- name); every option and resolved value is equal.
    assert first.pop("run_dir") != second.pop("run_dir")
    assert first == second
    assert (replay / f"checkpoint-{STEPS}" / "adapter_model.safetensors").is_file()
