"""Fixtures for online RL: the format task (tests/rl/task.py) and a short SFT warm start on the tiny model that
answers in both styles, so GRPO has something to choose."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import swift
from tests.rl.task import WARM_SFT, write_format_task


@pytest.fixture(scope="session")
def format_task(tmp_path_factory) -> dict[str, Path]:
    return write_format_task(tmp_path_factory.mktemp("format_task"))


@pytest.fixture(scope="session")
def warm_adapter(tiny_model, format_task, tmp_path_factory) -> Path:
    """A LoRA adapter (lm_head and embeddings in full) that answers the sums in both styles."""
    out = tmp_path_factory.mktemp("warm")
    proc = swift("sft", "--model", tiny_model, "--dataset", format_task["sft"], *WARM_SFT, "--output_dir", out,
                 timeout=1800)  # ~20 s on idle cores; far longer on a shared, loaded machine
    assert proc.returncode == 0, proc.stderr[-2000:]
    (ckpt,) = out.glob("v*/checkpoint-150")
    return ckpt
