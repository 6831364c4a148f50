"""Packing: best-fit bins within max_length, and packed rows do not attend to each other."""
from __future__ import annotations

import torch
from transformers import AutoModelForCausalLM

from swift_cli.engine.data.encode import Encoded
from swift_cli.engine.data.packing import PackedCollator, pack, split_long


def _rows(lengths):
    return [Encoded(list(range(3, 3 + n)), [-100] + list(range(4, 3 + n))) for n in lengths]


def test_bins_fit_and_keep_every_token():
    rows = _rows([50, 40, 30, 20, 10, 90])
    packed = pack(rows, 100)
    assert all(len(p["input_ids"]) <= 100 for p in packed)
    assert sum(len(p["input_ids"]) for p in packed) == 240
    assert len(packed) == 3  # 90+10, 50+30+20, 40 — best fit decreasing
    for p in packed:
        assert len(p["input_ids"]) == len(p["labels"]) == len(p["position_ids"])
        starts = [i for i, pos in enumerate(p["position_ids"]) if pos == 0]
        assert starts[0] == 0


def test_split_long_cuts_documents():
    pieces = split_long(_rows([250]), 100)
    assert [len(p.input_ids) for p in pieces] == [100, 100, 50]


def test_packed_row_gives_the_same_logits_as_the_row_alone(tiny_model):
    model = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    first, second = _rows([17, 23])
    batch = PackedCollator(pad_token_id=0)(pack([first, second], 64) + pack([first], 64))
    assert "attention_mask" not in batch
    with torch.no_grad():
        # training runs without a KV cache (train.policy_model); with one, transformers skips the packed mask
        packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits
        alone = model(input_ids=torch.tensor([second.input_ids])).logits
    # the longer row was placed first in the bin; the shorter follows it
    offset = len(second.input_ids)
    assert batch["input_ids"][0, :offset].tolist() == second.input_ids
    tail = model(input_ids=torch.tensor([first.input_ids])).logits
    torch.testing.assert_close(packed[0, :offset], alone[0], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(packed[0, offset:offset + len(first.input_ids)], tail[0], rtol=1e-4, atol=1e-4)


def test_padding_free_batch_gives_the_padded_batch_loss(tiny_model):
    """--padding_free lays the rows end to end; the loss over the batch is the padded batch's loss."""
    from swift_cli.engine.data.packing import PaddingFreeCollator

    model = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    rows = [{"input_ids": r.input_ids, "labels": r.labels} for r in _rows([9, 21, 14])]
    flat = PaddingFreeCollator()(rows)
    assert flat["input_ids"].shape == (1, 44) and "attention_mask" not in flat
    assert flat["position_ids"][0].tolist() == list(range(9)) + list(range(21)) + list(range(14))
    width = 21
    padded = {"input_ids": torch.tensor([r["input_ids"] + [0] * (width - len(r["input_ids"])) for r in rows]),
              "attention_mask": torch.tensor([[1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"]))
                                              for r in rows]),
              "labels": torch.tensor([r["labels"] + [-100] * (width - len(r["labels"])) for r in rows])}
    with torch.no_grad():
        flat_loss = model(**flat, use_cache=False).loss
        padded_loss = model(**padded, use_cache=False).loss
    torch.testing.assert_close(flat_loss, padded_loss, rtol=1e-4, atol=1e-4)
