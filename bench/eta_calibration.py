"""Calibrates the main job's up-front ETA (swift_cli/mainjob.py STEP_WORK_GFLOP).

Times LoRA steps of the recipe's shape (batch 4 x 75 tokens, rank 8 all-linear, AdamW) on SmolLM2-135M-Instruct
between two runs of the ETA's own matmul probe, and prints step seconds x probed GFLOPS: the amount of work per
step in probe units, which the ETA divides by the probe's figure on the user's machine.

Run: python bench/eta_calibration.py [--model DIR] [--rounds 2]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    import swift_cli.engine  # noqa: F401  (quiets the engines)
    from swift_cli import mainjob

    model = AutoModelForCausalLM.from_pretrained(args.model or mainjob.real_model_dir(), dtype=torch.float32)
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    x = torch.randint(100, 40000, (4, 75))

    def step():
        model(input_ids=x, labels=x).loss.backward()
        opt.step()
        opt.zero_grad()

    step()   # warm-up
    for _ in range(args.rounds):
        _, before = mainjob.eta_seconds(1)
        start = time.perf_counter()
        step()
        step()
        took = (time.perf_counter() - start) / 2
        _, after = mainjob.eta_seconds(1)
        print(f"step {took:.2f} s, probe {before:.1f}/{after:.1f} GFLOPS, work {took * (before + after) / 2:.0f} "
              f"(mainjob.STEP_WORK_GFLOP = {mainjob.STEP_WORK_GFLOP:.0f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
