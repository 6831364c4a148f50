"""How many threads llama.cpp gets (swift_cli.engine.serve.llamacpp.llama_threads): llama-cpp-python's own default
(half the logical cores) for generation, both counts capped by the cores the load average leaves free, and
YICHUI_LLAMACPP_THREADS overriding both. Pure arithmetic on given core counts and loads."""
from __future__ import annotations

import pytest

from swift_cli.engine.serve.llamacpp import llama_threads


@pytest.mark.parametrize("cpus, load, expected", [
    (2, 0.0, (1, 2)),    # quiet 2-core machine: generation as llama-cpp-python, prompts on both cores
    (2, 6.0, (1, 1)),    # loaded: never more threads than free cores (the 10-20x stall measured here)
    (16, 0.2, (8, 16)),  # a quiet workstation: half for generation, all for prompts
    (16, 12.4, (4, 4)),  # 12 cores busy: 4 free
    (1, 0.0, (1, 1)),
])
def test_threads_follow_free_cores(monkeypatch, cpus, load, expected):
    monkeypatch.delenv("YICHUI_LLAMACPP_THREADS", raising=False)
    assert llama_threads(cpus, load) == expected


def test_environment_sets_both(monkeypatch):
    monkeypatch.setenv("YICHUI_LLAMACPP_THREADS", "3")
    assert llama_threads(2, 9.0) == (3, 3)
