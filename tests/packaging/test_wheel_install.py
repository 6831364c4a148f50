"""Recipes are package data: from a regular (non-editable) install of the built wheel, in a fresh venv and away
from the repository, `swift sft --config <built-in recipe name>` and `swift demo` find the recipes. The fresh venv
sees the shared venv's engines through a .pth line (no reinstall of torch); the test checks that the installed
copy of swift_cli is the one that runs, not the repository's."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import REPO

SKIP = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".ruff_cache", ".pytest_cache",
                              "output", "out", "runs", "tiny")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv with the project's wheel installed (not editable)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(REPO, src, ignore=SKIP)               # build from a copy: setuptools writes build/ files
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp / "dist")], check=True, capture_output=True, timeout=600)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], check=True, capture_output=True, text=True).stdout.strip())
    (site / "shared_engines.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # torch & co., not yichui
    wheel = next((tmp / "dist").glob("yichui-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
                    "-q", str(wheel)], check=True, capture_output=True, timeout=600)
    return venv / "bin"


def _run(bin_dir: Path, *args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(a) for a in args], cwd=cwd, env={**env, "PATH": f"{bin_dir}:{env['PATH']}"},
                          capture_output=True, text=True, timeout=timeout)


def test_installed_copy_runs_not_the_repository(installed, tmp_path):
    proc = _run(installed, installed / "python", "-c", "import swift_cli; print(swift_cli.__file__)", cwd=tmp_path)
    where = Path(proc.stdout.strip())
    assert proc.returncode == 0 and str(installed.parent) in str(where) and REPO not in where.parents, proc


def test_builtin_recipe_by_name_from_the_wheel(installed, tiny_model, tmp_path):
    proc = _run(installed, installed / "swift", "sft", "--config", "tiny-self-cognition", "--model", tiny_model,
                "--dry_run", "true", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = [x for x in proc.stdout.splitlines() if x.startswith("swift sft ")][-1]
    assert "--learning_rate 0.002" in line and "--modules_to_save lm_head" in line   # the recipe's values


def test_demo_from_the_wheel(installed, tmp_path):
    proc = _run(installed, installed / "swift", "demo", "--model", "tiny", "--workdir", tmp_path / "demo", "--max_steps", "5",
                cwd=tmp_path)
    assert "4/4" in proc.stdout, (proc.stdout[-2000:], proc.stderr[-2000:])
    assert proc.returncode in (0, 1)          # 5 steps rarely teach the name; the recipe was found and trained
    assert "site-packages/swift_cli/recipes/tiny-self-cognition.yaml" in proc.stdout.replace("\n", "")
