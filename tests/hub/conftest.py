"""Fixtures for download tests: a tiny model big enough to span two of huggingface_hub's 10 MiB read
chunks (so a cut connection can be resumed mid-file), served by the local STAND-IN hub."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hub.standin_hub import StandinHub

REPO_ID = "yichui/tiny-standin"
DATASET_ID = "yichui/tiny-sft-standin"


@pytest.fixture(scope="session")
def hub_model(tmp_path_factory) -> Path:
    """A real tiny Qwen2 model whose model.safetensors is ~17.6 MB (hidden 384, 3 layers)."""
    from swift_cli.engine.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("hubmodel") / "tiny384", hidden_size=384, num_layers=3)


def _dataset_files() -> dict[str, bytes]:
    rows = [{"instruction": f"What is {i} plus {i}?", "input": "", "output": f"{2 * i}"} for i in range(40)]
    held = [{"instruction": "held out", "input": "", "output": "x"}]
    return {"data/train.jsonl": "".join(json.dumps(r) + "\n" for r in rows).encode(),
            "data/test.jsonl": "".join(json.dumps(r) + "\n" for r in held).encode(),
            "README.md": b"# stand-in dataset\n"}


@pytest.fixture
def standin(hub_model):
    """A fresh stand-in hub (fresh fault settings and byte counters) serving the model and a small dataset."""
    files = {p.name: p.read_bytes() for p in hub_model.iterdir() if p.is_file()}
    with StandinHub({("model", REPO_ID): files, ("dataset", DATASET_ID): _dataset_files()}) as hub:
        yield hub


@pytest.fixture
def hf_env(standin, tmp_path):
    """Environment pointing the real huggingface_hub client at the stand-in, with an empty cache."""
    return {"HF_ENDPOINT": standin.url, "HF_HOME": str(tmp_path / "hf_home"), "HF_HUB_DISABLE_XET": "1"}
