"""LoRA-DPO peak memory vs LoRA-SFT peak memory on the same model and batch.

DPO runs the policy on chosen + rejected sequences and the reference (the base with the adapter
disabled, or a frozen copy of the SFT adapter) under no_grad, so it should cost about one extra
forward's activations — not a second copy of the weights. Both runs are `swift` subprocesses;
peak = the child's max RSS (getrusage) minus the max RSS of an idle child with the same imports.

    python bench/dpo_memory.py [--hidden 512 --layers 8 --steps 4 --batch 4]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

IDLE = ("import torch, transformers, peft, trl, datasets; "
        "import swift_cli.engine.train, swift_cli.engine.align")


def peak_rss_mib(cmd: list[str]) -> float:
    """Max RSS of one child process in MiB (fresh process each time, so ru_maxrss is its own)."""
    wrapper = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr[-2000:]}")
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--batch", type=int, default=4)
    args = ap.parse_args()
    from swift_cli.engine.tiny_model import build_tiny_model
    from swift_cli.resources import resource_path

    work = Path(tempfile.mkdtemp(prefix="dpo_mem_"))
    model = build_tiny_model(work / "model", hidden_size=args.hidden, num_layers=args.layers,
                             intermediate_size=args.hidden * 3, num_heads=8, num_kv_heads=4)
    prefs = [json.loads(line) for line in resource_path("tiny_preferences.jsonl").read_text().splitlines()]
    sft_rows = work / "sft.jsonl"  # the same prompts and chosen answers, as SFT rows
    sft_rows.write_text("\n".join(json.dumps({"messages": p["prompt"] + p["chosen"]}, ensure_ascii=False)
                                  for p in prefs) + "\n")
    common = ["--model", str(model), "--max_steps", str(args.steps), "--per_device_train_batch_size",
              str(args.batch), "--gradient_checkpointing", "false", "--report_to", "none", "--save_steps", "1000",
              "--dataset_shuffle", "false"]
    swift = [sys.executable, "-m", "swift_cli"]
    idle = peak_rss_mib([sys.executable, "-c", IDLE])
    sft = peak_rss_mib([*swift, "sft", *common, "--dataset", str(sft_rows), "--output_dir", str(work / "sft")])
    dpo = peak_rss_mib([*swift, "dpo", *common, "--dataset", "tiny-preferences", "--output_dir", str(work / "dpo")])
    weights = sum(f.stat().st_size for f in model.glob("*.safetensors")) / 2**20
    print(f"model: hidden {args.hidden}, {args.layers} layers, weights {weights:.1f} MiB; batch {args.batch}, "
          f"{args.steps} steps, LoRA r=8 all-linear, CPU fp32")
    print(f"{'run':<10}{'peak RSS MiB':>14}{'above idle':>12}")
    print(f"{'idle':<10}{idle:>14.1f}{0:>12.1f}")
    print(f"{'lora-sft':<10}{sft:>14.1f}{sft - idle:>12.1f}")
    print(f"{'lora-dpo':<10}{dpo:>14.1f}{dpo - idle:>12.1f}")
    extra = (dpo - idle) - (sft - idle)
    print(f"dpo / sft (above idle): {(dpo - idle) / max(sft - idle, 1e-9):.2f}x; "
          f"extra {extra:.1f} MiB = {extra / weights:.2f}x the weights (a second model copy would be ≥ 1.0x)")


if __name__ == "__main__":
    main()
