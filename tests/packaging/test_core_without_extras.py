"""The core install runs the main job without any extra, and a command that needs an extra says so in one line.

The extras' modules are hidden from the `swift` subprocess by a finder that refuses to import them (as in a
core-only venv, which tests/packaging/test_fresh_install.py builds for real)."""
from __future__ import annotations

import json
import textwrap

from tests.conftest import swift

HIDDEN = ("evalscope", "onnx", "onnxscript", "onnxruntime", "hqq", "optimum", "torchao", "tensorboard")


def _without_extras(tmp_path) -> dict:
    site = tmp_path / "site"
    site.mkdir()
    # Path-based imports of the hidden packages find nothing, exactly as where they are not installed.
    (site / "sitecustomize.py").write_text(textwrap.dedent(f"""
        import sys
        HIDDEN = {HIDDEN!r}
        class _Hide:
            def __init__(self, inner):
                self.inner = inner
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in HIDDEN:
                    return None
                return self.inner.find_spec(name, path, target)
            def __getattr__(self, attr):
                return getattr(self.inner, attr)
        sys.meta_path[:] = [_Hide(f) if getattr(f, "__name__", "") == "PathFinder" else f for f in sys.meta_path]
    """))
    import os

    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_extra_commands_name_their_install_line(tmp_path, tiny_model):
    env = _without_extras(tmp_path)
    cases = [(["eval", "--model", tiny_model, "--eval_dataset", "gsm8k"], "swift eval (EvalScope", "eval"),
             (["export", "--model", tiny_model, "--to", "onnx", "--output_dir", tmp_path / "o"], "--to onnx", "onnx"),
             (["quantize", "--model", tiny_model, "--quant_method", "hqq", "--quant_bits", "4",
               "--output_dir", tmp_path / "q"], "--quant_method hqq", "quant"),
             (["sft", "--model", tiny_model, "--dataset", "self-cognition#8", "--report_to", "tensorboard",
               "--max_steps", "1", "--output_dir", tmp_path / "t"], "--report_to tensorboard", "tensorboard")]
    for argv, what, extra in cases:
        proc = swift(*argv, env=env)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 3, (argv, proc.stderr[-800:])
        assert lines[-1].startswith(f"error: {what}") and f"--extras {extra}" in lines[-1], lines[-1]
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists() and not (tmp_path / "q").exists() and not (tmp_path / "t").exists()


def test_sft_runs_without_tensorboard_and_says_so(tmp_path, tiny_model):
    out = tmp_path / "out"
    proc = swift("sft", "--model", tiny_model, "--dataset", "self-cognition#16", "--max_steps", "2",
                 "--save_steps", "2", "--logging_steps", "1", "--output_dir", out, env=_without_extras(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "note: --report_to none (tensorboard is not installed" in proc.stdout
    run = next(out.glob("v0-*"))
    assert json.loads((run / "args.json").read_text())["report_to"] == ["none"]
    assert (run / "logging.jsonl").read_text().strip() and not list(run.rglob("events.out.tfevents*"))
