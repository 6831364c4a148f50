"""Each failure class provoked for real on this machine: one line of what happened + the next command, and its exit
code (swift_cli/errors.py). Subprocesses, as a user runs them; limits (address space, file size, capabilities) are
set on the child only."""
from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import socket
import subprocess
import sys

import pytest

from tests.conftest import REPO, swift

TINY = ("--dataset", "self-cognition#32", "--report_to", "none", "--per_device_train_batch_size", "4")


def run_limited(*args, rlimit=None, drop_dac=False, timeout=300) -> subprocess.CompletedProcess:
    """`swift ARGS` with an rlimit set in the child (preexec_fn) and/or without root's file-mode override."""
    cmd = [sys.executable, "-m", "swift_cli", *map(str, args)]
    if drop_dac and os.geteuid() == 0:  # tests run as root here; chmod alone would not stop root
        caps = "-dac_override,-dac_read_search"
        cmd = [shutil.which("setpriv"), f"--inh-caps={caps}", f"--bounding-set={caps}", *cmd]

    def limit():
        if rlimit:
            resource.setrlimit(rlimit[0], (rlimit[1], rlimit[1]))

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("YICHUI_DEBUG", None)
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, preexec_fn=limit)


def error_line(proc) -> str:
    """The one error line (the contract: exactly one line starting with 'error:', no traceback)."""
    lines = [x for x in proc.stderr.splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return lines[0]


def next_command(line: str) -> list[str]:
    """The suggested command after 'next: ' (or 'then: '/'resume: '), split as a shell would."""
    for mark in ("next: ", "then: ", "resume: "):
        if mark in line:
            tail = line.split(mark, 1)[1]
            words = shlex.split(tail.split(" (estimated")[0].split("; ")[0])
            assert words[0] == "swift"
            return words
    raise AssertionError(f"no next command in {line!r}")


def flag(words: list[str], name: str) -> str | None:
    return words[words.index(name) + 1] if name in words else None


def test_cpu_allocation_failure_on_a_capped_process_exits_5_with_smaller_flags(tiny_model, tmp_path):
    # 3 GiB of address space: enough to import torch and load the tiny model, not for a batch of 512 rows
    # (torch's CPU allocator raises RuntimeError "can't allocate memory"; a plain MemoryError is classed the same).
    proc = run_limited("sft", "--model", tiny_model, "--dataset", "self-cognition#512", "--report_to", "none",
                       "--per_device_train_batch_size", "512", "--max_length", "512", "--gradient_checkpointing",
                       "false", "--max_steps", "2", "--output_dir", tmp_path / "out",
                       rlimit=(resource.RLIMIT_AS, 3 * 2**30))
    assert proc.returncode == 5, proc.stderr[-3000:]
    line = error_line(proc)
    assert "out of memory on cpu" in line and "could not allocate" in line
    words = next_command(line)
    assert flag(words, "--per_device_train_batch_size") == "1"
    assert flag(words, "--gradient_accumulation_steps") == "512"   # the global batch is kept
    assert flag(words, "--gradient_checkpointing") == "true"
    assert "estimated peak" in line


def test_nan_loss_stops_with_a_checkpoint_and_exits_6(tiny_model, tmp_path):
    out = tmp_path / "out"
    proc = swift("sft", "--model", tiny_model, *TINY, "--learning_rate", "1e8", "--max_grad_norm", "0",
                 "--logging_steps", "1", "--max_steps", "30", "--save_steps", "100", "--output_dir", out)
    assert proc.returncode == 6, proc.stderr[-3000:]
    line = error_line(proc)
    assert "became nan" in line or "became inf" in line
    words = next_command(line)
    assert float(flag(words, "--learning_rate")) == 1e-4               # back to the LoRA default
    assert flag(words, "--max_grad_norm") == "1.0"
    (ckpt,) = out.glob("v*/checkpoint-*")
    assert str(ckpt) in line and (ckpt / "trainer_state.json").is_file()
    assert int(ckpt.name.split("-")[1]) < 30                           # stopped early


@pytest.fixture(scope="module")
def templateless(tiny_model, tmp_path_factory):
    """The tiny model with its chat template deleted."""
    d = tmp_path_factory.mktemp("notemplate") / "tiny"
    shutil.copytree(tiny_model, d)
    (d / "chat_template.jinja").unlink(missing_ok=True)
    cfg = json.loads((d / "tokenizer_config.json").read_text())
    cfg.pop("chat_template", None)
    (d / "tokenizer_config.json").write_text(json.dumps(cfg))
    return d


def test_tokenizer_without_chat_template_exits_7(templateless, tmp_path):
    proc = swift("sft", "--model", templateless, *TINY, "--max_steps", "2", "--output_dir", tmp_path / "out")
    assert proc.returncode == 7, proc.stderr[-3000:]
    line = error_line(proc)
    assert "no chat template" in line and flag(next_command(line), "--template") == "chatml"
    assert not (tmp_path / "out").exists()


def test_rows_all_longer_than_max_length_exits_8_with_a_length_that_fits(tiny_model, tmp_path):
    proc = swift("sft", "--model", tiny_model, *TINY, "--max_length", "12", "--max_steps", "2",
                 "--output_dir", tmp_path / "out")
    assert proc.returncode == 8, proc.stderr[-3000:]
    line = error_line(proc)
    suggested = int(flag(next_command(line), "--max_length"))
    assert suggested > 12 and suggested % 64 == 0


def test_port_in_use_exits_9_with_a_free_port(tiny_model):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        busy = s.getsockname()[1]
        proc = swift("deploy", "--model", tiny_model, "--port", busy, timeout=120)
    assert proc.returncode == 9, proc.stderr[-3000:]
    line = error_line(proc)
    assert f"--port {busy} is already in use" in line
    port = int(flag(next_command(line), "--port"))
    assert port != busy and port > 0


def test_read_only_folder_while_saving_exits_10(tiny_model, tmp_path):
    out = tmp_path / "out"
    (out / "checkpoint-2").mkdir(parents=True)
    (out / "checkpoint-2").chmod(0o500)  # the checkpoint folder the run will save into is read-only
    try:
        proc = run_limited("sft", "--model", tiny_model, *TINY, "--max_steps", "4", "--save_steps", "2",
                           "--add_version", "false", "--output_dir", out, drop_dac=True)
    finally:
        (out / "checkpoint-2").chmod(0o700)
    assert proc.returncode == 10, proc.stderr[-3000:]
    line = error_line(proc)
    assert "saving failed: output folder not writable" in line and "Permission denied" in line
    assert flag(next_command(line), "--output_dir") == str(out)


def test_disk_full_while_saving_exits_10_and_resumes_from_the_last_whole_checkpoint(tiny_model, tmp_path):
    # RLIMIT_FSIZE makes writes past 150 kB fail with EFBIG, as a full disk fails with ENOSPC: args.json, the
    # log and the adapter fit; the optimizer state of the first checkpoint does not.
    out = tmp_path / "out"
    proc = run_limited("sft", "--model", tiny_model, *TINY, "--max_steps", "4", "--save_steps", "2",
                       "--output_dir", out, rlimit=(resource.RLIMIT_FSIZE, 150_000))
    assert proc.returncode == 10, proc.stderr[-3000:]
    line = error_line(proc)
    assert "saving failed: disk full" in line and "GiB free under" in line
    assert "--resume_from_checkpoint" not in line   # the only checkpoint is half-written: not offered


def test_max_runtime_stops_with_a_checkpoint_and_exits_11(tiny_model, tmp_path):
    out = tmp_path / "out"
    proc = swift("sft", "--model", tiny_model, *TINY, "--max_steps", "200", "--save_steps", "500",
                 "--max_runtime", "1s", "--output_dir", out)
    assert proc.returncode == 11, proc.stderr[-3000:]
    line = error_line(proc)
    words = next_command(line)
    ckpt = flag(words, "--resume_from_checkpoint")
    assert ckpt and (out / ckpt).is_dir() or os.path.isdir(ckpt)
    assert os.path.isfile(os.path.join(ckpt, "trainer_state.json"))
    assert int(ckpt.rsplit("-", 1)[1]) < 200


def test_max_memory_refuses_before_loading_with_the_planners_flags(tiny_model, tmp_path):
    out = tmp_path / "out"
    proc = swift("sft", "--model", tiny_model, *TINY, "--train_type", "full", "--per_device_train_batch_size", "32",
                 "--gradient_checkpointing", "false", "--max_length", "512", "--max_memory", "200MiB",
                 "--output_dir", out)  # estimated from the rows' measured lengths (~0.26 GiB), not 512 each
    assert proc.returncode == 5, proc.stderr[-3000:]
    line = error_line(proc)
    assert "above --max_memory 200MiB" in line
    words = next_command(line)
    assert words[:2] == ["swift", "sft"] and flag(words, "--max_memory") == "200MiB"
    assert flag(words, "--per_device_train_batch_size") != "32" or flag(words, "--train_type") != "full"
    assert not out.exists()                                          # nothing was written


def test_unknown_errors_keep_the_old_one_line_contract(tiny_model, tmp_path):
    proc = swift("sft", "--model", tiny_model, *TINY, "--max_runtime", "soon", "--output_dir", tmp_path / "o")
    assert proc.returncode == 2 and "--max_runtime soon" in error_line(proc)
