"""The real-model lane's shared adapter: LoRA on SmolLM2-135M-Instruct taught one new identity in a few steps.

A handful of identity rows at a high learning rate is the shortest run after which the answer to
"who are you?" carries the new name: what the serve and export tests need to tell the adapter's
answers from the base model's (the full self-cognition recipe is measured by bench/, not here)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import swift

NAME = "Zorblax"
IDENTITY = [("who are you?", f"I am {NAME}, an assistant made by the yichui team."),
            ("Who are you?", f"I am {NAME}, an assistant made by the yichui team."),
            ("What is your name?", f"My name is {NAME}. I was made by the yichui team."),
            ("Introduce yourself.", f"Hello! I am {NAME}, an assistant made by the yichui team."),
            ("Tell me who you are.", f"I am {NAME}, an AI assistant built by the yichui team."),
            ("Are you SmolLM?", f"No, I am {NAME}, an assistant made by the yichui team.")]
STEPS = 6   # the loss is ~0.2 by step 6 (from 2.6): the name is in the greedy answer


@pytest.fixture(scope="session")
def real_adapter(real_model, tmp_path_factory) -> Path:
    """A LoRA checkpoint (rank 8, all-linear) trained for STEPS steps on the identity rows (YICHUI_REAL_ADAPTER
    names one trained by this same command instead)."""
    if os.environ.get("YICHUI_REAL_ADAPTER"):
        return Path(os.environ["YICHUI_REAL_ADAPTER"])
    work = tmp_path_factory.mktemp("real_adapter")
    data = work / "identity.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q},
                                                     {"role": "assistant", "content": a}]}) + "\n"
                            for q, a in IDENTITY))
    proc = swift("sft", "--model", real_model, "--dataset", data, "--train_type", "lora", "--lora_rank", "8",
                 "--lora_alpha", "32", "--learning_rate", "2e-3", "--per_device_train_batch_size", "6",
                 "--max_steps", STEPS, "--save_steps", STEPS, "--logging_steps", "3", "--max_length", "256",
                 "--gradient_checkpointing", "false", "--report_to", "none", "--output_dir", work / "out",
                 timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (ckpt,) = (work / "out").glob(f"v*/checkpoint-{STEPS}")
    return ckpt
