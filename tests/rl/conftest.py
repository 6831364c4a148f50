"""Fixtures for online RL: a format task the project writes (sums, answered either in <think>/<answer> tags or
plainly) and a short SFT warm start on the tiny model that answers in both styles, so GRPO has something to choose."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.conftest import swift

HELD_OUT = 16


def _rows():
    pairs = [(a, b) for a in range(10) for b in range(10)]
    random.Random(0).shuffle(pairs)
    return pairs


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def tagged(a: int, b: int) -> str:
    return f"<think>{a + b}</think><answer>{a + b}</answer>"


@pytest.fixture(scope="session")
def format_task(tmp_path_factory) -> dict[str, Path]:
    """sft.jsonl (half the answers tagged, half plain), prompts.jsonl (messages + solution) and held.jsonl (unseen
    sums for greedy evaluation)."""
    out = tmp_path_factory.mktemp("format_task")
    pairs = _rows()
    train, held = pairs[HELD_OUT:], pairs[:HELD_OUT]

    def prompt(a, b):
        return [{"role": "user", "content": f"What is {a} plus {b}?"}]

    sft = [{"messages": prompt(a, b) + [{"role": "assistant", "content": tagged(a, b) if i % 2 == 0 else
                                         f"The answer is {a + b}."}]} for i, (a, b) in enumerate(train)]
    return {"sft": _write(out / "sft.jsonl", sft),
            "prompts": _write(out / "prompts.jsonl", [{"messages": prompt(a, b), "solution": str(a + b)}
                                                      for a, b in train]),
            "held": _write(out / "held.jsonl", [{"messages": prompt(a, b), "solution": str(a + b)}
                                                for a, b in held])}


@pytest.fixture(scope="session")
def warm_adapter(tiny_model, format_task, tmp_path_factory) -> Path:
    """A LoRA adapter (lm_head and embeddings in full) that answers the sums in both styles."""
    out = tmp_path_factory.mktemp("warm")
    proc = swift("sft", "--model", tiny_model, "--dataset", format_task["sft"], "--max_steps", "150",
                 "--learning_rate", "2e-3", "--lora_rank", "16", "--modules_to_save", "lm_head", "embed_tokens",
                 "--per_device_train_batch_size", "8", "--gradient_checkpointing", "false", "--save_steps", "150",
                 "--report_to", "none", "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (ckpt,) = out.glob("v*/checkpoint-150")
    return ckpt
