"""OS resource limits of a local job (jobs/wrap.py --limit, set by the bot's sandbox from bot.yaml): real setrlimit
on real processes, no training."""
from __future__ import annotations

import subprocess
import sys
import time

from bot.config import Limits
from jobs import JobStore
from tests.conftest import REPO

ALLOC = "import sys; b = bytearray(768 * 2**20); print('allocated', len(b))"


def _wrap(tmp_path, *limits: str, code: str) -> tuple[int, str]:
    exit_file = tmp_path / "exit_code"
    proc = subprocess.run([sys.executable, "-m", "jobs.wrap", str(exit_file), *limits, "--", sys.executable, "-c",
                           code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return int(exit_file.read_text()), proc.stdout + proc.stderr


def test_memory_limit_makes_an_allocation_past_it_fail(tmp_path):
    code, out = _wrap(tmp_path, code=ALLOC)
    assert code == 0 and "allocated" in out                                   # no limit: it runs
    code, out = _wrap(tmp_path, "--limit", f"memory={512 * 2**20}", code=ALLOC)
    assert code == 1 and "MemoryError" in out                                 # 768 MiB past a 512 MiB limit


def test_file_limit_stops_a_write_past_it(tmp_path):
    target = tmp_path / "big.bin"
    code, out = _wrap(tmp_path, "--limit", "file=4096", code=f"open({str(target)!r}, 'wb').write(b'x' * 100000)")
    assert code != 0 and "File too large" in out and target.stat().st_size <= 4096


def test_a_bad_limit_is_one_line():
    proc = subprocess.run([sys.executable, "-m", "jobs.wrap", "x", "--limit", "disk=1", "--", "true"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode != 0 and proc.stderr.strip() == "jobs.wrap: bad limit --limit disk=1 (memory|file|cpu=N)"


def test_the_store_keeps_a_jobs_limits_and_starts_it_under_them(tmp_path, monkeypatch):
    """A job submitted with limits (as the bot does) runs under them: the tiny model cannot be written past 4 kB."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    assert Limits(max_memory_gb=1, max_file_gb=0.5).os_limits() == {"memory": 2**30, "file": 2**29}
    store = JobStore(tmp_path / "home")
    job = store.submit_argv(["tiny-model", "--out", str(tmp_path / "tiny")], user="bob", limits={"file": 4096})
    assert (tmp_path / "home" / "jobs" / str(job.id) / "limits.json").is_file()
    end = time.monotonic() + 600  # a loaded machine imports torch slowly
    while store.get(job.id).status in ("running", "queued") and time.monotonic() < end:
        time.sleep(0.5)
    done = store.get(job.id)
    assert done.status == "failed" and done.exit_code != 0, (done, store.log_tail(job.id))
    assert all(p.stat().st_size <= 4096 for p in (tmp_path / "tiny").rglob("*") if p.is_file())
