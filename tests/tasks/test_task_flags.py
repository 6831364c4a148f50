"""The task-type flags: ms-swift's defaults, and each contradiction refused in one line (exit 2) before anything
heavy; a bad row names its file and line."""
from __future__ import annotations

import json

from swift_cli.options.tasks import TaskArgs, problems, resolve
from tests.conftest import swift


def test_ms_swift_defaults():
    assert resolve(TaskArgs(num_labels=3)).task_type == "seq_cls"  # num_labels alone means seq_cls
    assert resolve(TaskArgs(num_labels=3)).problem_type == "single_label_classification"
    assert resolve(TaskArgs(task_type="seq_cls", num_labels=1)).problem_type == "regression"
    assert resolve(TaskArgs(task_type="reranker")).num_labels == 1
    assert resolve(TaskArgs(task_type="embedding")).loss_type == "infonce"
    assert resolve(TaskArgs(task_type="generative_reranker")).loss_type == "pointwise_reranker"
    assert resolve(TaskArgs(task_type="embedding"), "cosine_similarity").loss_type == "cosine_similarity"
    assert resolve(TaskArgs()).task_type == "causal_lm"


def test_contradictions_are_named():
    assert "needs --num_labels" in problems(TaskArgs(task_type="seq_cls"))[0]
    assert "--problem_type" in problems(TaskArgs(task_type="embedding", problem_type="regression"))[0]
    assert "not a loss of --task_type reranker" in problems(TaskArgs(task_type="reranker"), "infonce")[0]
    assert problems(TaskArgs(task_type="seq_cls", num_labels=2, problem_type="multi_label_classification")) == []


def test_cli_refuses_in_one_line(tiny_model, tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"messages": [{"role": "user", "content": "x"}], "label": 0}) + "\n")
    proc = swift("sft", "--model", tiny_model, "--dataset", data, "--task_type", "seq_cls")
    assert proc.returncode == 2 and "needs --num_labels" in proc.stderr and "Traceback" not in proc.stderr
    proc = swift("sft", "--model", tiny_model, "--dataset", data, "--task_type", "embedding", "--loss_type",
                 "listwise_reranker")
    assert proc.returncode == 2 and "--loss_type listwise_reranker" in proc.stderr


def test_bad_row_names_file_and_line(tiny_model, tmp_path):
    data = tmp_path / "d.jsonl"
    good = {"messages": [{"role": "user", "content": "x"}], "label": 1}
    data.write_text(json.dumps(good) + "\n" + json.dumps({**good, "label": 5}) + "\n")
    proc = swift("sft", "--model", tiny_model, "--dataset", data, "--num_labels", "2", "--max_steps", "1",
                 "--output_dir", tmp_path / "out", "--report_to", "none")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"{data}:2" in proc.stderr and "label 5" in proc.stderr and "Traceback" not in proc.stderr
