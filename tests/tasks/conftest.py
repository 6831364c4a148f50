"""Held-out data and one trained checkpoint per task type on the tiny model, made once per session and shared by
the learning and the deploy tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import swift
from tests.tasks import synth

SFT = ("--report_to", "none", "--logging_steps", "5")


@pytest.fixture(scope="session")
def task_data(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("task_data")
    synth.write(d / "cls_train.jsonl", synth.seq_cls_rows(200, 1))
    synth.write(d / "cls_test.jsonl", synth.seq_cls_rows(60, 2))
    synth.write(d / "emb_train.jsonl", synth.embedding_rows(200, 1))
    synth.write(d / "emb_test.jsonl", synth.embedding_rows(60, 2))
    synth.write(d / "rr_train.jsonl", synth.reranker_rows(160, 1))
    synth.write(d / "rr_test.jsonl", synth.reranker_rows(60, 2))
    return d


def train(tiny_model, out: Path, *args) -> Path:
    proc = swift("sft", "--model", tiny_model, "--output_dir", out, *SFT, *args, timeout=1800)  # shared CPUs
    assert proc.returncode == 0, proc.stderr[-3000:]
    (ckpt,) = out.glob("v*/checkpoint-*")
    return ckpt


@pytest.fixture(scope="session")
def cls_ckpt(tiny_model, task_data, tmp_path_factory) -> Path:
    """LoRA seq_cls, 2 classes (animals / vehicles)."""
    return train(tiny_model, tmp_path_factory.mktemp("cls"), "--task_type", "seq_cls", "--num_labels", "2",
                 "--dataset", task_data / "cls_train.jsonl", "--max_steps", "30", "--save_steps", "30",
                 "--per_device_train_batch_size", "8", "--learning_rate", "1e-3")


@pytest.fixture(scope="session")
def emb_ckpt(tiny_model, task_data, tmp_path_factory) -> Path:
    """LoRA embedding, InfoNCE with one hard negative per row."""
    return train(tiny_model, tmp_path_factory.mktemp("emb"), "--task_type", "embedding", "--loss_type", "infonce",
                 "--dataset", task_data / "emb_train.jsonl", "--max_steps", "30", "--save_steps", "30",
                 "--per_device_train_batch_size", "8", "--learning_rate", "1e-3")


@pytest.fixture(scope="session")
def rr_ckpt(tiny_model, task_data, tmp_path_factory) -> Path:
    """LoRA reranker (a one-logit classification head), pointwise loss."""
    return train(tiny_model, tmp_path_factory.mktemp("rr"), "--task_type", "reranker", "--dataset",
                 task_data / "rr_train.jsonl", "--max_steps", "30", "--save_steps", "30",
                 "--per_device_train_batch_size", "4", "--learning_rate", "1e-3")
