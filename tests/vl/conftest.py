"""Fixtures of the image-text tests: the tiny Qwen2-VL (built once) and synthetic shape datasets."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.vl.shapes import write_dataset


@pytest.fixture(scope="session")
def tiny_vl_model(tmp_path_factory) -> Path:
    """`swift tiny-model --arch qwen2_vl` equivalent, built in-process once per session."""
    from swift_cli.engine.tiny_vl_model import build_tiny_vl_model

    return build_tiny_vl_model(tmp_path_factory.mktemp("models") / "tiny-vl")


@pytest.fixture(scope="session")
def colour_data(tmp_path_factory) -> tuple[Path, Path]:
    """(train.jsonl, held-out test.jsonl): "What colour is the shape?" on images drawn with different seeds."""
    folder = tmp_path_factory.mktemp("shapes")
    return (write_dataset(folder, 200, seed=0, name="train.jsonl"),
            write_dataset(folder, 40, seed=1, name="test.jsonl"))
