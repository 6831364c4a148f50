"""The main job: `swift wizard --auto` / `swift demo` fine-tune the real model by default; `--model tiny` keeps the
fast run. (The full default run, 40 steps, is measured by bench/oneliner.py and bench/self_cognition_real.py.)"""
from __future__ import annotations

import re

from tests.conftest import OFFLINE_HUBS, swift


def test_auto_with_model_tiny_keeps_the_fast_tiny_run(tmp_path):
    env = {"YICHUI_HOME": str(tmp_path / "home"), "COLUMNS": "200", **OFFLINE_HUBS}
    proc = swift("wizard", "--auto", "--model", "tiny", "--output_dir", tmp_path / "out", "--lang", "en", env=env,
                 timeout=1200)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "name learned: yes" in proc.stdout
    assert "What is the capital of France?" in proc.stdout     # the general question is asked before and after
    assert "smollm2" not in proc.stdout.lower()


def test_demo_on_the_real_model_by_default_short_run(real_model, tmp_path):
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / "smollm2-135m-instruct").symlink_to(real_model)   # materialised once per session
    env = {"YICHUI_HOME": str(home), "COLUMNS": "250", **OFFLINE_HUBS}
    proc = swift("demo", "--max_steps", "2", "--workdir", tmp_path / "demo", env=env, timeout=1200)
    out = proc.stdout
    assert "ETA for training: about" in out, out[-3000:]
    assert re.search(r"--config \S*recipes/smollm2-self-cognition\.yaml --model \S*smollm2-135m-instruct", out)
    rows = [line for line in out.splitlines() if "capital of France" in line]
    assert rows and rows[-1].count("Paris") == 2, out[-3000:]     # before and after: still answered
    # two steps cannot teach the name: the demo says so and exits 1 (the 40-step recipe is benched, not tested)
    assert "name learned: NO" in out and proc.returncode == 1
    (ckpt,) = (tmp_path / "demo" / "runs").glob("v*/checkpoint-2")
    assert (ckpt / "adapter_model.safetensors").is_file()
