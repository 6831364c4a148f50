"""Pack tokenized rows into max_length sequences (best-fit decreasing), kept apart by position ids.

Each packed row carries `position_ids` restarting at 0 for every original row and no attention
mask: transformers then builds a block-diagonal causal mask per packed row, so rows never attend to
each other. Unlike trl's padding-free packing, a batch stays [batch, max_length] instead of being
flattened into one [1, batch × max_length] sequence, which keeps attention at B·L² rather than (B·L)²
on backends without variable-length kernels (CPU, MPS, sdpa).
"""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.engine.data.encode import IGNORE, Encoded


def split_long(rows: list[Encoded], max_length: int) -> list[Encoded]:
    """Cut rows longer than max_length into max_length pieces (pre-training documents)."""
    out = []
    for r in rows:
        for i in range(0, len(r.input_ids), max_length):
            out.append(Encoded(r.input_ids[i:i + max_length], r.labels[i:i + max_length]))
    return out


def pack(rows: list[Encoded], max_length: int) -> list[dict]:
    """Best-fit decreasing bins of at most max_length tokens; returns dataset rows with position_ids."""
    bins: list[list[Encoded]] = []
    room: list[int] = []
    for r in sorted(rows, key=lambda e: len(e.input_ids), reverse=True):
        n = len(r.input_ids)
        best = min((i for i, free in enumerate(room) if free >= n), key=lambda i: room[i], default=None)
        if best is None:
            bins.append([r])
            room.append(max_length - n)
        else:
            bins[best].append(r)
            room[best] -= n
    packed = []
    for group in bins:
        packed.append({"input_ids": [t for r in group for t in r.input_ids],
                       "labels": [t for r in group for t in r.labels],
                       "position_ids": [p for r in group for p in range(len(r.input_ids))]})
    return packed


@dataclass
class PackedCollator:
    """Pads packed rows to the longest in the batch; no attention mask (see the module docstring)."""

    pad_token_id: int

    def __call__(self, examples: list[dict]):
        import torch

        width = max(len(e["input_ids"]) for e in examples)
        batch = {"input_ids": [], "labels": [], "position_ids": []}
        for e in examples:
            pad = width - len(e["input_ids"])
            batch["input_ids"].append(e["input_ids"] + [self.pad_token_id] * pad)
            batch["labels"].append(e["labels"] + [IGNORE] * pad)
            # padding continues as its own short "row" starting at 0, so it never joins a real row
            batch["position_ids"].append(e["position_ids"] + list(range(pad)))
        return {k: torch.tensor(v, dtype=torch.long) for k, v in batch.items()}


@dataclass
class PaddingFreeCollator:
    """--padding_free: a batch's rows laid end to end in one row, kept apart by position ids. The same rows per
    step as a padded batch, without computing on padding. Each row's first label is ignored, so the last token of
    one row is never trained to predict the first token of the next."""

    def __call__(self, examples: list[dict]):
        import torch

        ids: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        for e in examples:
            ids += e["input_ids"]
            labels += [IGNORE, *e["labels"][1:]]
            positions += range(len(e["input_ids"]))
        return {"input_ids": torch.tensor([ids]), "labels": torch.tensor([labels]),
                "position_ids": torch.tensor([positions])}
