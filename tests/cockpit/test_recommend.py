"""hardware.recommend (pure) on the published Qwen2.5-7B / 72B configs, and `swift plan --recommend` (config only)."""
from __future__ import annotations

import json

import pytest

from hardware.recommend import cheapest_per_method, recommend
from hardware.spec import ModelSpec
from tests.conftest import swift

QWEN7 = {"model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28,
         "num_attention_heads": 28, "num_key_value_heads": 4, "vocab_size": 152064,
         "max_position_embeddings": 32768, "tie_word_embeddings": False}
QWEN72 = {"model_type": "qwen2", "hidden_size": 8192, "intermediate_size": 29568, "num_hidden_layers": 80,
          "num_attention_heads": 64, "num_key_value_heads": 8, "vocab_size": 152064,
          "max_position_embeddings": 32768, "tie_word_embeddings": False}


@pytest.fixture(scope="module")
def rows7():
    return recommend(ModelSpec.from_config(QWEN7), "sft")


@pytest.fixture(scope="module")
def rows72():
    return recommend(ModelSpec.from_config(QWEN72), "sft")


def test_rows_fit_and_come_cheapest_first(rows7, rows72):
    for rows in (rows7, rows72):
        assert rows and all(r.fits and r.peak_bytes <= r.free_bytes for r in rows)
        costs = [r.relative_cost for r in rows]
        assert costs == sorted(costs)
        # one row per (profile, method): the smallest device count on which that method fits
        assert len({(r.profile, r.method) for r in rows}) == len(rows)


def test_7b_lora_fits_one_24gb_card_and_full_needs_more(rows7):
    lora_24 = [r for r in rows7 if r.method == "lora" and r.profile in ("a10g", "rtx4090", "rtx3090", "l4")]
    assert lora_24 and all(r.count == 1 for r in lora_24)
    full = [r for r in rows7 if r.method == "full"]
    # 7.6B × 8 bytes (bf16 weights, grads, AdamW states) ≈ 57 GiB before activations: never on one 24 GB card
    assert full and not any(r.count == 1 and r.memory_gib < 30 for r in full)
    assert all(r.count > 1 or r.flags.get("deepspeed") or r.memory_gib >= 64 for r in full)


def test_72b_needs_qlora_on_one_card_or_several_cards(rows72):
    assert all(r.count > 1 or r.method == "qlora" for r in rows72)
    assert {r.method for r in cheapest_per_method(rows72)} == {"qlora", "lora", "full"}
    assert all(r.count == 8 or r.memory_gib >= 80 for r in rows72 if r.method == "full")


def test_a_fixed_train_type_limits_the_methods():
    rows = recommend(ModelSpec.from_config(QWEN7), "sft", {"train_type": "full"})
    assert rows and {r.method for r in rows} == {"full"}


def test_cli_recommend_json_and_table(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(QWEN7))
    proc = swift("plan", "--model", tmp_path, "--task", "sft", "--recommend", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["task"] == "sft" and data["rows"]
    first = data["rows"][0]
    assert {"profile", "count", "method", "flags", "peak_bytes", "fits", "command"} <= set(first)
    assert first["command"].split()[:2] in (["swift", "sft"], ) or first["command"].startswith("NPROC_PER_NODE=")
    table = swift("plan", "--model", tmp_path, "--recommend", env={"COLUMNS": "160"})
    assert table.returncode == 0 and "LoRA →" in table.stdout and "commands (cheapest per method)" in table.stdout
