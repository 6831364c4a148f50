"""`swift sft` refuses bad input the same way every time: exit 2 (3 for missing hardware), one
`error:` line naming the flag/file/line, no traceback, and nothing written under --output_dir.

Runtime budget: every `swift sft` that gets past option parsing imports torch/transformers/peft before
it looks at the data (about 7 s of CPU per process here, measured). Nine such subprocesses took two
minutes on this 2-core machine, so the data/output-dir cases run the real command body in-process
through `swift_cli.app.run_command` (the same function the typer entry point calls, same exit-code
and one-line-error handling), and the CLI contract itself is checked in subprocesses where only a
separate process can do it: an unknown flag (cheap) and a read-only directory with root's override
capabilities dropped.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, swift

GOOD_ROWS = [{"messages": [{"role": "user", "content": f"Tell me fact number {i} about the sea."},
                           {"role": "assistant", "content": f"Fact {i}: the sea is large and salty."}]}
             for i in range(4)]


def _jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _swift_without_root_override(*args, env=None) -> subprocess.CompletedProcess:
    """`swift ARGS`, but when running as root, without the capabilities that let root ignore file modes
    (tests run as root here, where chmod alone would not make a directory unwritable)."""
    if os.geteuid() != 0:
        return swift(*args, env=env)
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to drop root's DAC override for this test"
    caps = "-dac_override,-dac_read_search"
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("YICHUI_DEBUG", None)
    return subprocess.run([setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", sys.executable, "-m",
                           "swift_cli", *map(str, args)], cwd=REPO, env=full_env, capture_output=True, text=True,
                          timeout=600)


def common(tiny_model) -> list:
    return ["--model", tiny_model, "--max_steps", "1", "--report_to", "none"]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return _jsonl(tmp_path_factory.mktemp("data") / "good.jsonl", GOOD_ROWS)


@pytest.fixture(scope="module")
def locked_run(tiny_model, good, tmp_path_factory):
    """`swift sft` with --output_dir under a chmod 0o500 directory: (proc, output_dir)."""
    locked = tmp_path_factory.mktemp("bad_input") / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        proc = _swift_without_root_override("sft", *common(tiny_model), "--dataset", good, "--output_dir",
                                            locked / "runs")
    finally:
        locked.chmod(0o700)
    return proc, locked / "runs"


def sft_in_process(argv: list, capsys) -> subprocess.CompletedProcess:
    """`swift sft ARGV` through the same boundary the CLI uses, in this process."""
    from swift_cli.app import run_command
    from swift_cli.commands import sft

    capsys.readouterr()
    code = run_command(sft.main, [str(a) for a in argv], prog="swift sft")
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["swift", "sft", *map(str, argv)], code, captured.out, captured.err)


def check_refusal(proc: subprocess.CompletedProcess, out_dir: Path, code: int = 2) -> str:
    """The common contract; returns stderr's last line."""
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == code, f"exit {proc.returncode}, expected {code}\nstderr:\n{proc.stderr[-2000:]}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines, "no message on stderr"
    last = lines[-1]
    assert last.startswith("error:"), last
    created = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
    assert not created, f"refused run still wrote under --output_dir: {created}"
    return last


def test_missing_dataset_file(tiny_model, tmp_path, capsys):
    out = tmp_path / "out"
    proc = sft_in_process([*common(tiny_model), "--dataset", tmp_path / "nope.jsonl", "--output_dir", out], capsys)
    last = check_refusal(proc, out)
    assert "--dataset" in last and "nope.jsonl" in last and "no such file" in last


def test_unknown_dataset_name_lists_builtins(tiny_model, tmp_path, capsys):
    out = tmp_path / "out"
    proc = sft_in_process([*common(tiny_model), "--dataset", "no-such-builtin-set", "--output_dir", out], capsys)
    last = check_refusal(proc, out)
    assert "no-such-builtin-set" in last
    assert "self-cognition" in last


def test_wrong_field_name_names_file_and_line(tiny_model, tmp_path, capsys):
    data = _jsonl(tmp_path / "wrong_field.jsonl", [
        GOOD_ROWS[0],
        {"messages": [{"role": "user", "text": "hi"}, {"role": "assistant", "content": "hello"}]},
        GOOD_ROWS[1],
    ])
    out = tmp_path / "out"
    proc = sft_in_process([*common(tiny_model), "--dataset", data, "--output_dir", out], capsys)
    check_refusal(proc, out)
    bad = [line for line in proc.stderr.splitlines() if f"{data}:2" in line]
    assert bad, f"no line names {data}:2 in:\n{proc.stderr}"
    assert bad[0].startswith("error:")
    assert "'content'" in bad[0] and "'text'" in bad[0]
    assert f"{data}:1" not in proc.stderr and f"{data}:3" not in proc.stderr


def test_empty_dataset_file(tiny_model, tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "out"
    proc = sft_in_process([*common(tiny_model), "--dataset", empty, "--output_dir", out], capsys)
    last = check_refusal(proc, out)
    assert "empty.jsonl" in last
    assert "no rows" in last


def test_max_length_smaller_than_every_prompt(tiny_model, good, tmp_path, capsys):
    out = tmp_path / "out"
    proc = sft_in_process([*common(tiny_model), "--dataset", good, "--max_length", "8", "--output_dir", out],
                          capsys)
    last = check_refusal(proc, out, code=8)  # errors.RowsTooLong
    assert "--max_length 8" in last


def test_output_dir_under_a_regular_file(tiny_model, good, tmp_path, capsys):
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a directory\n", encoding="utf-8")
    out = a_file / "runs"
    proc = sft_in_process([*common(tiny_model), "--dataset", good, "--output_dir", out], capsys)
    last = check_refusal(proc, out)
    assert "--output_dir" in last and "a_file.txt" in last
    assert a_file.read_text() == "not a directory\n"


def test_cli_output_dir_under_a_read_only_directory(locked_run):
    proc, out = locked_run
    last = check_refusal(proc, out)
    assert "--output_dir" in last and "locked" in last and "not writable" in last


def test_cli_unknown_flag_suggests_the_right_one(tiny_model, good, tmp_path, run_swift):
    out = tmp_path / "out"
    proc = run_swift("sft", *common(tiny_model), "--dataset", good, "--lora_rnk", "4", "--output_dir", out)
    last = check_refusal(proc, out)
    assert "--lora_rnk" in last and "--lora_rank" in last


def test_qlora_on_a_machine_without_cuda_exits_3(tiny_model, good, tmp_path, capsys):
    import torch

    out = tmp_path / "out"
    # This machine has no CUDA GPU; were the suite run on one, --use_cpu makes the device a CPU all the same.
    extra = ["--use_cpu", "true"] if torch.cuda.is_available() else []
    proc = sft_in_process([*common(tiny_model), "--dataset", good, "--train_type", "qlora", *extra,
                           "--output_dir", out], capsys)
    last = check_refusal(proc, out, code=3)
    assert "qlora" in last and "CUDA GPU" in last
