"""`swift sft` / `swift pt` end to end on the tiny model: what it learned, what it wrote, resume, Ctrl-C."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, swift

RECIPE = REPO / "recipes" / "tiny-self-cognition.yaml"
SECRET = "hf_Sup3rSecretTokenValue42"


def _log(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "logging.jsonl").read_text().splitlines() if line.strip()]


def _only_run(output_dir: Path) -> Path:
    runs = [p for p in output_dir.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


@pytest.fixture(scope="module")
def trained(tiny_model, tmp_path_factory):
    """The README demo's training (the recipe), run once for this module."""
    out = tmp_path_factory.mktemp("sft")
    proc = swift("sft", "--config", RECIPE, "--model", tiny_model, "--model_name", "Yichui",
                 "--model_author", "Seed", "--output_dir", out, "--hub_token", SECRET, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


def test_sft_teaches_the_name_and_base_did_not_know_it(trained, tiny_model):
    out, _ = trained
    ckpt = _only_run(out) / "checkpoint-200"
    before = swift("infer", "--model", tiny_model, "--query", "who are you?", "--max_new_tokens", "30")
    after = swift("infer", "--adapters", ckpt, "--query", "who are you?", "--max_new_tokens", "30")
    after_zh = swift("infer", "--adapters", ckpt, "--query", "你是谁？", "--max_new_tokens", "30")
    assert before.returncode == after.returncode == after_zh.returncode == 0, after.stderr
    assert "Yichui" not in before.stdout
    assert "Yichui" in after.stdout
    assert "Yichui" in after_zh.stdout  # one --model_name value serves both languages


def test_run_folder_layout_logs_and_plot(trained):
    out, proc = trained
    run = _only_run(out)
    assert run.name.startswith("v0-")
    assert {"checkpoint-100", "checkpoint-200"} <= {p.name for p in run.iterdir()}
    ckpt = run / "checkpoint-200"
    assert (ckpt / "adapter_config.json").is_file() and (ckpt / "adapter_model.safetensors").is_file()
    assert (ckpt / "tokenizer.json").is_file()
    assert (run / "loss.png").stat().st_size > 1000
    assert list((run / "runs").rglob("events.out.tfevents.*")), "tensorboard events missing"
    records = [r for r in _log(run) if "loss" in r]
    assert len(records) >= 200 // 5 - 1
    for key in ("step", "loss", "learning_rate", "grad_norm", "tokens_per_sec", "memory_rss_mib"):
        assert key in records[-1], key
    assert records[-1]["loss"] < records[0]["loss"] * 0.5
    last_line = proc.stdout.strip().splitlines()[-1]
    assert "swift infer --adapters" in last_line and str(ckpt) in last_line


def test_args_json_has_resolved_values_and_no_secret(trained):
    out, proc = trained
    run = _only_run(out)
    args = json.loads((run / "args.json").read_text())
    assert args["train_type"] == "lora" and args["lora_rank"] == 8 and args["learning_rate"] == 2e-3
    assert args["model_name"] == ["Yichui"] and args["device"] == "cpu"
    # --padding_free was not given: batch 8 x max_length 256 lays out short, so the run went padding-free (and said
    # so) -- and still learned the name (test_sft_teaches_the_name_and_base_did_not_know_it)
    assert args["padding_free"] is True and "note: --padding_free true" in proc.stdout
    everything = "".join(p.read_text(errors="ignore") for p in run.rglob("*.json")) + proc.stdout + proc.stderr
    assert SECRET not in everything
    assert args["hub_token"] == "***"


def test_infer_reads_piped_stdin_and_ends_cleanly(trained):
    out, _ = trained
    ckpt = _only_run(out) / "checkpoint-200"
    proc = swift("infer", "--adapters", ckpt, "--max_new_tokens", "20", input="who are you?\n你是谁？\n")
    assert proc.returncode == 0, proc.stderr
    assert len([line for line in proc.stdout.splitlines() if line.strip()]) >= 2
    assert "Yichui" in proc.stdout


def _train_cmd(tiny_model, out: Path, data: Path) -> list[str]:
    return ["sft", "--model", str(tiny_model), "--dataset", str(data), "--max_steps", "30", "--save_steps", "5",
            "--logging_steps", "1", "--learning_rate", "1e-3", "--lr_scheduler_type", "linear",
            "--per_device_train_batch_size", "2", "--gradient_checkpointing", "false", "--report_to", "none",
            "--output_dir", str(out), "--seed", "7"]


@pytest.fixture(scope="module")
def chat_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "chat.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"what is {i} plus {i}?"},
                          {"role": "assistant", "content": f"{i} plus {i} is {2 * i}."}]} for i in range(40)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_ctrl_c_saves_checkpoint_and_resume_matches_uninterrupted(tiny_model, tmp_path, chat_file):
    straight = swift(*_train_cmd(tiny_model, tmp_path / "a", chat_file))
    assert straight.returncode == 0, straight.stderr[-2000:]
    reference = {r["step"]: r["loss"] for r in _log(_only_run(tmp_path / "a")) if "loss" in r}

    cmd = [sys.executable, "-m", "swift_cli", *_train_cmd(tiny_model, tmp_path / "b", chat_file)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        runs = list((tmp_path / "b").glob("v*/logging.jsonl")) if (tmp_path / "b").exists() else []
        if runs and len(runs[0].read_text().splitlines()) >= 8:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err[-2000:]
    assert "--resume_from_checkpoint" in err and "Traceback" not in err
    run = _only_run(tmp_path / "b")
    ckpts = sorted(run.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    stopped_at = int(ckpts[-1].name.split("-")[1])
    assert stopped_at < 30, "the run should have stopped early"
    assert (ckpts[-1] / "trainer_state.json").is_file()

    resumed = swift(*_train_cmd(tiny_model, tmp_path / "b", chat_file), "--resume_from_checkpoint", ckpts[-1])
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert (run / "checkpoint-30").is_dir()
    after = {r["step"]: r["loss"] for r in _log(run) if "loss" in r and r["step"] > stopped_at}
    assert 30 in after
    assert after[30] == pytest.approx(reference[30], rel=0.02, abs=1e-3)


def test_validation_split_logs_eval_loss(tiny_model, tmp_path, chat_file):
    proc = swift("sft", "--model", tiny_model, "--dataset", chat_file, "--split_dataset_ratio", "0.2",
                 "--max_steps", "6", "--eval_steps", "3", "--save_steps", "6", "--report_to", "none",
                 "--output_dir", tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert any("eval_loss" in r for r in _log(_only_run(tmp_path)))
    # --gradient_checkpointing was not given: the plan fits without it, so it is off (and said so)
    assert "note: --gradient_checkpointing false (fits without it: faster)" in proc.stdout
    assert json.loads((_only_run(tmp_path) / "args.json").read_text())["gradient_checkpointing"] is False


@pytest.mark.parametrize("train_type", ["full", "dora"])
def test_full_and_dora_checkpoints(tiny_model, tmp_path, chat_file, train_type):
    proc = swift("sft", "--model", tiny_model, "--dataset", chat_file, "--train_type", train_type, "--max_steps", "4",
                 "--save_steps", "4", "--report_to", "none", "--output_dir", tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ckpt = _only_run(tmp_path) / "checkpoint-4"
    if train_type == "full":
        assert (ckpt / "model.safetensors").is_file() and (ckpt / "config.json").is_file()
        answer = swift("infer", "--model", ckpt, "--query", "hi", "--max_new_tokens", "5")
    else:
        assert json.loads((ckpt / "adapter_config.json").read_text())["use_dora"] is True
        answer = swift("infer", "--adapters", ckpt, "--query", "hi", "--max_new_tokens", "5")
    assert answer.returncode == 0, answer.stderr[-2000:]


def test_pt_trains_on_raw_text_packed(tiny_model, tmp_path):
    text = tmp_path / "corpus.txt"
    text.write_text("\n".join(f"Line {i}: the quick brown fox jumps over the lazy dog {i} times." for i in range(200)))
    proc = swift("pt", "--model", tiny_model, "--dataset", text, "--max_length", "128", "--max_steps", "20",
                 "--learning_rate", "3e-3", "--logging_steps", "2", "--save_steps", "20", "--report_to", "none",
                 "--output_dir", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-2000:]
    run = _only_run(tmp_path / "out")
    losses = [r["loss"] for r in _log(run) if "loss" in r]
    assert losses[-1] < losses[0]
    assert json.loads((run / "args.json").read_text())["task"] == "pt"
