"""Fixtures for export tests: a private copy of the SFT run (merging writes beside the checkpoint) and its merge."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import swift


@pytest.fixture(scope="session")
def export_ckpt(sft_adapter, tmp_path_factory) -> Path:
    """The session SFT checkpoint copied with its run's args.json, so <ckpt>-merged lands in our own folder."""
    run = tmp_path_factory.mktemp("export_run") / "v0-run"
    run.mkdir()
    shutil.copy(sft_adapter.parent / "args.json", run / "args.json")
    shutil.copytree(sft_adapter, run / sft_adapter.name)
    return run / sft_adapter.name


@pytest.fixture(scope="session")
def merged(export_ckpt) -> tuple[Path, object]:
    """`swift export --adapters CKPT --merge_lora true` once (small shards to exercise --max_shard_size)."""
    proc = swift("export", "--adapters", export_ckpt, "--merge_lora", "true", "--max_shard_size", "1MB")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return Path(f"{export_ckpt}-merged"), proc


def report(folder: Path) -> dict:
    return json.loads((folder / "verification.json").read_text(encoding="utf-8"))
