"""The locks agree with pyproject.toml (CI's fast lane fails when a requirement changes without `bash
scripts/lock.sh`), and the check itself notices a change."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

from tests.conftest import REPO


def _lock_inputs(repo=REPO):
    spec = importlib.util.spec_from_file_location("lock_inputs", repo / "scripts" / "lock_inputs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_locks_agree_with_pyproject():
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "lock_inputs.py"), "check"], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr


def test_cpu_lock_pins_every_requirement_and_leaves_torch_to_the_pin():
    li = _lock_inputs()
    _, pins = li.read_lock(REPO / "locks" / "cpu.txt")
    assert "torch" not in pins  # installed first from YICHUI_TORCH_SPEC and held there
    for name in ("transformers", "trl", "peft", "datasets", "huggingface-hub", "evalscope", "llama-cpp-python"):
        assert name in pins, name
    _, cuda = li.read_lock(REPO / "locks" / "cuda.txt")
    assert cuda["torch"].startswith("2.13.0") and "vllm" in cuda and "deepspeed" in cuda


def test_a_changed_requirement_is_caught(tmp_path):
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "lock_inputs.py", repo / "scripts")
    shutil.copytree(REPO / "locks", repo / "locks")
    text = (REPO / "pyproject.toml").read_text()
    (repo / "pyproject.toml").write_text(text.replace('"rich>=13",', '"rich>=13",\n    "left-pad-nonexistent>=1",'))
    proc = subprocess.run([sys.executable, str(repo / "scripts" / "lock_inputs.py"), "check"], capture_output=True,
                          text=True)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert any("was made from another pyproject.toml" in line for line in lines)
    assert any("no pin for left-pad-nonexistent" in line for line in lines)
    assert all(line.endswith("regenerate the locks with: bash scripts/lock.sh") for line in lines)
