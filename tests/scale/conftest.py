"""Fixtures for multi-process runs: one 2-process (gloo, CPU) and one 1-process run with the same global batch."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, swift

STEPS = 6
COMMON = ("--config", str(REPO / "recipes" / "tiny-self-cognition.yaml"), "--max_steps", str(STEPS),
          "--save_steps", str(STEPS), "--logging_steps", "1", "--report_to", "none",
          "--lora_dropout", "0")   # dropout masks differ per process; without it the runs must agree


def run_dir(out: Path) -> Path:
    (found,) = [p for p in out.glob("v*") if p.is_dir()]
    return found


def losses(run: Path) -> list[float]:
    lines = (run / "logging.jsonl").read_text().splitlines()
    return [r["loss"] for r in map(json.loads, lines) if "loss" in r]


@pytest.fixture(scope="session")
def two_process_run(tiny_model, tmp_path_factory):
    """NPROC_PER_NODE=2 × batch 4 (global batch 8): (completed process, output dir)."""
    out = tmp_path_factory.mktemp("ddp")
    proc = swift("sft", *COMMON, "--model", tiny_model, "--per_device_train_batch_size", "4", "--output_dir", out,
                 env={"NPROC_PER_NODE": "2"})
    return proc, out


@pytest.fixture(scope="session")
def one_process_run(tiny_model, tmp_path_factory):
    """One process × batch 8 (the same global batch)."""
    out = tmp_path_factory.mktemp("single")
    proc = swift("sft", *COMMON, "--model", tiny_model, "--per_device_train_batch_size", "8", "--output_dir", out)
    return proc, out
