"""Training speed on the real model: `swift sft` vs a plain TRL SFTTrainer, identical settings, one run.

Same model (SmolLM2-135M-Instruct, fp32 on CPU), same data (the built-in self-cognition rows with the names
filled in, written once as a messages JSONL both read), same LoRA (r 8, alpha 32, dropout 0.05, all-linear),
batch, max_length, steps, learning rate, gradient checkpointing (off), fp32 (TRL's default bf16 autocast is turned
off: swift trains fp32 on CPU), a checkpoint saved at the end, seed, threads. Each trainer runs in its
own subprocess, alternated over --rounds so that load changes on a shared machine hit both alike; the figure
is tokens/s inside trainer.train() (the Trainer's own train_runtime, non-pad input tokens), median of rounds.
Two more swift runs show what our defaults gain on top (checkpointing only when memory needs it, padding-free
batches of the same rows when they are short) and what ms-swift's always-on gradient checkpointing costs.

Run: nice -n 5 python bench/sft_vs_trl_real.py [--model DIR] [--steps 6] [--batch 4] [--rounds 2]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
LORA = {"r": 8, "lora_alpha": 32, "lora_dropout": 0.05}
LR = 1e-3


def write_data(path: Path) -> int:
    """The self-cognition rows (names filled in) as {"messages": [...]}; returns the row count."""
    rows = [json.loads(line) for line in (REPO / "swift_cli" / "resources" / "self_cognition.jsonl").open()]
    with path.open("w") as fh:
        for r in rows:
            zh = r.get("tag") == "zh"
            answer = r["response"].replace("{name}", "小锤" if zh else "Yichui").replace(
                "{author}", "一锤定音" if zh else "yichui")
            fh.write(json.dumps({"messages": [{"role": "user", "content": r["query"]},
                                              {"role": "assistant", "content": answer}]}, ensure_ascii=False) + "\n")
    return len(rows)


def run_swift(args, data: Path, out: Path, extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "swift_cli", "sft", "--model", args.model, "--dataset", str(data),
           "--train_type", "lora", "--lora_rank", str(LORA["r"]), "--lora_alpha", str(LORA["lora_alpha"]),
           "--lora_dropout", str(LORA["lora_dropout"]), "--target_modules", "all-linear",
           "--learning_rate", str(LR), "--per_device_train_batch_size", str(args.batch),
           "--max_length", str(args.max_length), "--max_steps", str(args.steps), "--save_steps", "100000",
           "--logging_steps", "1", "--report_to", "none",
           "--output_dir", str(out), *extra]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit(f"swift sft failed: {proc.stderr[-1500:]}")
    (log,) = out.glob("v*/logging.jsonl")
    entries = [json.loads(line) for line in log.open()]
    final = next(e for e in reversed(entries) if "train_runtime" in e and "loss" not in e)
    tokens = max(e.get("num_input_tokens_seen", 0) for e in entries)
    return {"runtime": final["train_runtime"], "tokens": tokens}


def run_trl(args, data: Path, out: Path) -> dict:
    """A plain TRL SFTTrainer, as its docs show it, with the same settings (runs in a subprocess of this file)."""
    cfg = {"model": args.model, "data": str(data), "out": str(out), "batch": args.batch,
           "max_length": args.max_length, "steps": args.steps}
    proc = subprocess.run([sys.executable, __file__, "--_trl", json.dumps(cfg)], cwd=REPO, capture_output=True,
                          text=True, check=False)
    if proc.returncode:
        sys.exit(f"trl baseline failed: {proc.stderr[-1500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _trl_child(cfg: dict) -> None:
    import torch
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    torch.set_flush_denormal(True)   # what swift does on CPU: not what this comparison is about
    tok = AutoTokenizer.from_pretrained(cfg["model"])
    model = AutoModelForCausalLM.from_pretrained(cfg["model"], dtype=torch.float32)
    trainer = SFTTrainer(
        model=model, processing_class=tok, train_dataset=load_dataset("json", data_files=cfg["data"])["train"],
        peft_config=LoraConfig(**LORA, target_modules="all-linear", task_type="CAUSAL_LM"),
        args=SFTConfig(output_dir=cfg["out"], per_device_train_batch_size=cfg["batch"], max_length=cfg["max_length"],
                       max_steps=cfg["steps"], learning_rate=LR, lr_scheduler_type="linear", warmup_steps=0,
                       weight_decay=0.1, logging_steps=1, report_to="none", use_cpu=True,
                       # swift saves a checkpoint at the end of train() (counted in its train_runtime): so does this
                       save_strategy="steps", save_steps=cfg["steps"],
                       # TRL's SFTConfig defaults to bf16=True: CPU autocast to bf16, which swift does not do on CPU
                       # (fast only on CPUs with native bf16; emulated it is several times slower)
                       bf16=False, gradient_checkpointing=False, seed=42, disable_tqdm=True,
                       include_num_input_tokens_seen="non_padding"))
    metrics = trainer.train().metrics
    print(json.dumps({"runtime": metrics["train_runtime"], "tokens": trainer.state.num_input_tokens_seen}))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--max_length", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--_trl", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._trl:
        _trl_child(json.loads(args._trl))
        return 0
    if not args.model:
        from swift_cli import mainjob

        args.model = str(mainjob.real_model_dir())
    work = Path(tempfile.mkdtemp(prefix="bench-sft-trl-"))
    n = write_data(work / "data.jsonl")
    flags = Path("/proc/cpuinfo").read_text().split() if Path("/proc/cpuinfo").exists() else []
    bf16 = "native bf16" if {"avx512_bf16", "amx_bf16"} & set(flags) else "no native bf16"
    print(f"# {os.cpu_count()} CPUs ({bf16}), load {os.getloadavg()[0]:.1f}; {Path(args.model).name}; {n} rows; "
          f"batch {args.batch}, max_length {args.max_length}, {args.steps} steps, LoRA r8 all-linear, lr {LR}")
    same = ["--gradient_checkpointing", "false", "--padding_free", "false"]
    swift_rows = {"swift sft (identical)": same,
                  # no --gradient_checkpointing / --padding_free: the plan turns checkpointing off where memory
                  # allows and lays short batches end to end (padding-free)
                  "swift sft (our defaults)": [],
                  # ms-swift turns checkpointing on always
                  "swift sft, gc on (ms-swift)": ["--gradient_checkpointing", "true", "--padding_free", "false"]}
    runs: dict[str, list[dict]] = {"trl SFTTrainer": [], **{k: [] for k in swift_rows}}
    for i in range(args.rounds):
        runs["trl SFTTrainer"].append(run_trl(args, work / "data.jsonl", work / f"trl{i}"))
        for j, (name, extra) in enumerate(swift_rows.items()):
            runs[name].append(run_swift(args, work / "data.jsonl", work / f"swift{j}-{i}", extra))
        print(f"round {i + 1}: " + "; ".join(f"{k} {v[-1]['tokens'] / v[-1]['runtime']:.1f} tok/s"
                                             for k, v in runs.items()), flush=True)
    tps = {k: statistics.median(r["tokens"] / r["runtime"] for r in v) for k, v in runs.items()}
    base = tps["trl SFTTrainer"]
    print(f"\n{'trainer':<32}{'tokens/s':>10}{'vs trl':>8}   (median of {args.rounds} alternated rounds)")
    for k, v in tps.items():
        print(f"{k:<32}{v:>10.1f}{v / base:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
