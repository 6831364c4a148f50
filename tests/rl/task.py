"""The format task the RL tests and bench/rl_grpo.py share: sums answered either in <think>/<answer> tags or plainly
(the SFT warm start sees both, a third tagged), GRPO prompts with a `solution` column, and unseen sums held out."""
from __future__ import annotations

import json
import random
from pathlib import Path

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


def write_format_task(out: Path) -> dict[str, Path]:
    """sft.jsonl (a third of the answers tagged, the rest plain), prompts.jsonl (messages + solution) and held.jsonl (unseen
    sums for greedy evaluation)."""
    pairs = _rows()
    train, held = pairs[HELD_OUT:], pairs[:HELD_OUT]

    def prompt(a, b):
        return [{"role": "user", "content": f"What is {a} plus {b}?"}]

    # one answer in three tagged: the warm policy samples the format now and then, and answers plainly when greedy
    sft = [{"messages": prompt(a, b) + [{"role": "assistant", "content": tagged(a, b) if i % 3 == 0 else
                                         f"The answer is {a + b}."}]} for i, (a, b) in enumerate(train)]
    return {"sft": _write(out / "sft.jsonl", sft),
            "prompts": _write(out / "prompts.jsonl", [{"messages": prompt(a, b), "solution": str(a + b)}
                                                      for a, b in train]),
            "held": _write(out / "held.jsonl", [{"messages": prompt(a, b), "solution": str(a + b)}
                                                for a, b in held])}


WARM_SFT = ["--max_steps", "150", "--learning_rate", "2e-3", "--lora_rank", "16", "--modules_to_save", "lm_head",
            "embed_tokens", "--per_device_train_batch_size", "8", "--gradient_checkpointing", "false",
            "--save_steps", "150", "--report_to", "none"]
