"""--task_type seq_cls / embedding / reranker / generative_reranker on the tiny model, through the real CLI: each
trained with `swift sft`, and `swift infer --val_dataset` on a held-out split shows it learned (accuracy above the
majority class; positive-vs-negative similarity margin up; the positive ranked first more often)."""
from __future__ import annotations

import re
from tests.conftest import swift
from tests.tasks import synth
from tests.tasks.conftest import train

def infer_figure(*args) -> str:
    proc = swift("infer", *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def test_seq_cls_learns_above_the_majority_class(cls_ckpt, task_data, tmp_path):
    ckpt, data = cls_ckpt, task_data
    config = (ckpt / "adapter_config.json").read_text()
    assert '"SEQ_CLS"' in config and "score" in config  # the head is saved with the adapter
    line = infer_figure("--adapters", ckpt, "--val_dataset", data / "cls_test.jsonl",
                        "--result_path", tmp_path / "pred.jsonl")
    right, total = map(int, re.search(r"accuracy [\d.]+ \((\d+)/(\d+)\)", line).groups())
    labels = [r["label"] for r in synth.seq_cls_rows(60, 2)]
    majority = max(labels.count(0), labels.count(1))
    print(f"seq_cls held-out accuracy {right}/{total} (majority class {majority}/{total})")
    assert right >= majority + 10, line
    assert len((tmp_path / "pred.jsonl").read_text().splitlines()) == total
    one = swift("infer", "--adapters", ckpt, "--query", "the horse and the sheep are here")
    assert one.returncode == 0 and '"label": 0' in one.stdout, one.stdout + one.stderr[-2000:]


def _margin(line: str) -> tuple[float, int]:
    found = re.search(r"similarity margin (-?[\d.]+) .*positive closest (\d+)/", line)
    return float(found.group(1)), int(found.group(2))


def test_embedding_infonce_raises_the_similarity_margin(tiny_model, emb_ckpt, task_data):
    ckpt, data = emb_ckpt, task_data
    before = _margin(infer_figure("--model", tiny_model, "--task_type", "embedding",
                                  "--val_dataset", data / "emb_test.jsonl"))
    after = _margin(infer_figure("--adapters", ckpt, "--val_dataset", data / "emb_test.jsonl"))
    print(f"embedding margin {before[0]:.4f} -> {after[0]:.4f}; positive closest {before[1]} -> {after[1]} of 60")
    assert after[0] > before[0] + 0.03 and after[1] > before[1] + 6


def _firsts(line: str) -> int:
    return int(re.search(r"positive ranked first (\d+)/", line).group(1))


def test_reranker_ranks_the_positive_first_more_often(tiny_model, rr_ckpt, task_data):
    test = task_data / "rr_test.jsonl"
    before = _firsts(infer_figure("--model", tiny_model, "--task_type", "reranker", "--val_dataset", test))
    after = _firsts(infer_figure("--adapters", rr_ckpt, "--val_dataset", test))
    print(f"reranker positive first {before} -> {after} of 60")
    assert after >= before + 12 and after >= 40


def test_generative_reranker_listwise_learns_yes_no(tiny_model, task_data, tmp_path):
    ckpt = train(tiny_model, tmp_path / "gen", "--task_type", "generative_reranker", "--loss_type",
                 "listwise_reranker", "--dataset", task_data / "rr_train.jsonl", "--max_steps", "20",
                 "--save_steps", "20", "--per_device_train_batch_size", "4", "--learning_rate", "1e-3")
    assert '"CAUSAL_LM"' in (ckpt / "adapter_config.json").read_text()
    test = task_data / "rr_test.jsonl"
    before = _firsts(infer_figure("--model", tiny_model, "--task_type", "generative_reranker", "--val_dataset", test))
    after = _firsts(infer_figure("--adapters", ckpt, "--val_dataset", test))
    print(f"generative_reranker positive first {before} -> {after} of 60")
    assert after >= before + 10
    docs = "I saw a cat near the dog\nthe rain and the snow are here\n"
    ranked = swift("infer", "--adapters", ckpt, "--query", "find text about animals", input=docs)
    assert ranked.returncode == 0 and ranked.stdout.splitlines()[0].endswith("cat near the dog"), ranked.stdout
