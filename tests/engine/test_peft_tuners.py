"""ms-swift's other --train_type adapters run through peft's tuners and learn: each trains on the tiny model and
lowers the loss on the self-cognition rows; the ones ms-swift builds itself are refused in one line."""
from __future__ import annotations

import json

import pytest

from tests.conftest import swift


@pytest.mark.parametrize("train_type", ["adalora", "vera", "boft", "fourierft", "bone", "ia3"])
def test_peft_tuner_trains_and_loads(train_type, tiny_model, tmp_path):
    out = tmp_path / "out"
    proc = swift("sft", "--model", tiny_model, "--dataset", "self-cognition#64", "--train_type", train_type,
                 "--max_steps", "15", "--learning_rate", "5e-3", "--per_device_train_batch_size", "8",
                 "--logging_steps", "5", "--save_steps", "15", "--report_to", "none", "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (run,) = out.glob("v*")
    losses = [r["loss"] for r in map(json.loads, (run / "logging.jsonl").read_text().splitlines()) if "loss" in r]
    assert losses[-1] < losses[0], losses
    config = json.loads((run / "checkpoint-15" / "adapter_config.json").read_text())
    assert config["peft_type"] == {"bone": "MISS"}.get(train_type, train_type.upper())
    answer = swift("infer", "--adapters", run / "checkpoint-15", "--query", "who are you?", "--max_new_tokens", "8")
    assert answer.returncode == 0 and answer.stdout.strip(), answer.stderr[-1000:]


@pytest.mark.parametrize("train_type", ["llamapro", "reft", "longlora", "adapter", "dummy"])
def test_tuners_ms_swift_builds_itself_are_refused_in_one_line(train_type, tiny_model, tmp_path):
    proc = swift("sft", "--model", tiny_model, "--dataset", "self-cognition#8", "--train_type", train_type,
                 "--output_dir", tmp_path / "out")
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: --train_type {train_type}: ") and "nearest here: --train_type lora" in last
    assert not (tmp_path / "out").exists()
