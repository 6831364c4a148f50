"""Session fixtures: the tiny model is built once; `swift` runs as a real subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["tests.lanes"]  # the fast (pure) lane and the engine lane


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """The built-in tiny Qwen2 model (built offline, once per session)."""
    from swift_cli.engine.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


def swift(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 600,
          input: str | None = None) -> subprocess.CompletedProcess:
    """Run `swift ARGS` in a subprocess (as a user would) and capture its output."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("YICHUI_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "swift_cli", *map(str, args)], cwd=cwd or REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout, input=input)


@pytest.fixture
def run_swift():
    return swift


@pytest.fixture(scope="session")
def sft_adapter(tiny_model, tmp_path_factory) -> Path:
    """A 60-step LoRA adapter on the tiny model (the demo recipe), trained once for the modules that need one."""
    out = tmp_path_factory.mktemp("sft_adapter")
    proc = swift("sft", "--config", REPO / "recipes" / "tiny-self-cognition.yaml", "--model", tiny_model,
                 "--max_steps", "60", "--save_steps", "60", "--report_to", "none", "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (ckpt,) = out.glob("v*/checkpoint-60")
    return ckpt
