"""`swift --help` and `swift <command> --help` are instant: they never import the engines."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("torch", "transformers", "trl", "peft", "datasets", "bitsandbytes")

# Runs the real entry point (typer app) with argv patched, then reports which heavy modules got imported.
PROBE = """
import json, sys
argv = json.loads(sys.argv[1])
sys.argv = ["swift", *argv]
from swift_cli.app import main
code = None
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = [m for m in {heavy!r} if m in sys.modules]
print("PROBE " + json.dumps({{"code": code, "heavy": heavy}}), file=sys.stderr)
""".format(heavy=HEAVY)


def probe(*argv: str) -> tuple[dict, subprocess.CompletedProcess]:
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(argv))], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("PROBE ")]
    assert lines, f"probe did not finish:\n{proc.stderr[-2000:]}"
    return json.loads(lines[-1][len("PROBE "):]), proc


@pytest.mark.parametrize("argv", [["--help"], ["sft", "--help"], ["sft", "-h"], ["infer", "--help"],
                                  ["validate-dataset", "--help"], ["download", "--help"], ["list", "--help"],
                                  ["wizard", "--help"], ["export", "--help"], ["quantize", "--help"]])
def test_help_exits_0_without_importing_engines(argv):
    result, proc = probe(*argv)
    assert result["code"] in (0, None), result
    assert result["heavy"] == [], f"`swift {' '.join(argv)}` imported {result['heavy']}"
    assert "Usage" in proc.stdout


def test_top_level_help_lists_the_commands():
    result, proc = probe("--help")
    for command in ("sft", "pt", "infer", "validate-dataset", "tiny-model"):
        assert command in proc.stdout


def test_sft_help_lists_train_type_and_its_aliases(run_swift):
    proc = run_swift("sft", "--help", env={"COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    line = next((ln for ln in proc.stdout.splitlines() if ln.lstrip().startswith("--train_type")), None)
    assert line is not None, proc.stdout
    assert "--sft_type" in line and "--tuner_type" in line
    for choice in ("lora", "dora", "qlora", "full"):
        assert choice in line
    for flag in ("--dataset", "--lora_rank", "--max_length", "--output_dir", "--config"):
        assert flag in proc.stdout


def test_sft_help_at_default_width_still_names_every_flag(run_swift):
    # Piped output (no terminal) gets rich's default width: flag names must not be cut.
    proc = run_swift("sft", "--help", env={"COLUMNS": ""})
    assert proc.returncode == 0
    for flag in ("--train_type, --sft_type, --tuner_type", "--per_device_train_batch_size, --batch_size",
                 "--gradient_checkpointing", "--hub_token"):
        assert flag in proc.stdout, flag


# One process walks every registered command's --help, recording exit code and heavy imports after each.
EVERY_COMMAND_PROBE = """
import contextlib, io, json, sys
from swift_cli.app import COMMANDS, app
out = {{}}
for name in COMMANDS:
    buf_out, buf_err = io.StringIO(), io.StringIO()
    code = None
    with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err):
        try:
            app([name, "--help"], prog_name="swift")
        except SystemExit as exc:
            code = exc.code
        except BaseException as exc:
            code = "raised " + type(exc).__name__ + ": " + str(exc)
    out[name] = {{"code": code, "usage": "Usage" in buf_out.getvalue(), "err": buf_err.getvalue()[-300:],
                 "heavy": [m for m in {heavy!r} if m in sys.modules]}}
print("PROBE " + json.dumps(out), file=sys.stderr)
""".format(heavy=HEAVY)


def test_every_registered_command_has_a_light_help():
    proc = subprocess.run([sys.executable, "-c", EVERY_COMMAND_PROBE], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("PROBE ")]
    assert lines, proc.stderr[-2000:]
    results = json.loads(lines[-1][len("PROBE "):])
    broken = {name: r for name, r in results.items() if r["code"] not in (0, None) or not r["usage"]}
    assert not broken, f"`swift CMD --help` fails for: {broken}"
    heavy = {name: r["heavy"] for name, r in results.items() if r["heavy"]}
    assert not heavy, f"--help imported engines (first command listed is the culprit): {heavy}"
