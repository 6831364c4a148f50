"""Training throughput: `swift sft --packing true` vs a plain transformers Trainer with padded batches.

What is compared
----------------
Effective tokens per second = non-pad tokens trained on / train_runtime (the Trainer's own
``train_runtime``: the time inside ``trainer.train()``, without imports, model loading or data
preparation; the end-to-end wall time of each subprocess is printed too). Because wall time on a
shared machine depends on other jobs, the CPU seconds (all threads) of the same training call are
measured too and a tokens per CPU-second ratio is printed beside the wall-time ratio.

- **swift**: ``python -m swift_cli sft ... --packing true`` as a subprocess (trl SFTTrainer, BFD
  packing into ``--max_length`` sequences, padding-free: rows are kept apart by position ids).
  Figures are read from its ``logging.jsonl`` (``train_runtime``, ``loss``, ``tokens_seen``).
- **baseline**: a plain ``transformers.Trainer`` (no trl) in a subprocess of this script, with
  ``DataCollatorForSeq2Seq`` padding each random batch to its longest row (labels -100 on pads).

Both get the SAME model (``build_tiny_model``: qwen2, hidden 256, 4 layers, 4 heads / 2 KV heads,
intermediate 688, vocab ~4k; float32 on CPU), the SAME tokenized rows (the product's own data path,
``collect`` + ``tokenize``, so ids and assistant-only labels are identical), the same LoRA (peft,
r=8, alpha=32, dropout 0.05, all-linear), learning rate, cosine schedule without warmup, weight
decay 0.1, grad clipping 1.0, adamw_torch, seed 42, gradient checkpointing off, the same thread
count (``OMP_NUM_THREADS`` and ``torch.set_num_threads``) and flush-denormal on (what swift does
on CPU, so the comparison isolates packing and not a denormal slowdown).

Data: the built-in self-cognition rows (125, ~40 tokens each) plus chat rows whose answers are
slices of ``swift_cli/resources/corpus_en.txt`` with lengths spread uniformly from ~20 to ~400
tokens, so padding to the longest row in a batch wastes a lot.

Why "equal data, equal steps" (and not "equal rows per step")
--------------------------------------------------------------
With packing a "row" of the batch is a packed sequence of up to ``max_length`` tokens, so equal
rows per step would give swift several times more tokens per step. Instead both runs train the
same number of epochs over the identical rows, i.e. exactly the same non-pad tokens, each row once
per epoch. swift runs first; the baseline's batch size (in rows) is then chosen so that it takes
(as nearly as whole batches allow) the same number of optimizer steps per epoch as swift did, so
the non-pad tokens per optimizer step are equal on average and the lr schedule has the same
length. The final training loss of each (mean over the last logging window, and the mean over the
whole run) is printed so that speed is not bought with wrong training.

Attention over a packed sequence is computed on the whole packed length with a block-diagonal
mask when flash-attention is not available (CPU: sdpa), so ``--max_length`` should stay near the
longest row (default 512); a larger one wastes attention FLOPs quadratically.

    python bench/train_throughput.py                 # ~4 min on 2 idle CPU cores (much longer when loaded)
    python bench/train_throughput.py --epochs 2 --threads 2 --max_length 512 --rows 400
    python bench/train_throughput.py --keep DIR      # keep model, data and run folders in DIR

Goal: swift (packed) >= 1.5x the padded baseline's effective tokens/s with a comparable final loss.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
GOAL = 1.5
MODEL = dict(arch="qwen2", hidden_size=256, num_layers=4, num_heads=4, num_kv_heads=2, intermediate_size=688)
# Runs `swift` exactly as the console script does, after wrapping transformers.Trainer.train (which trl's
# SFTTrainer inherits) to record the wall and CPU seconds of the training call: CPU seconds are far less
# disturbed than wall time by other jobs on a shared machine.
SWIFT_LAUNCHER = r"""
import json, os, sys, time
import transformers
_train = transformers.Trainer.train
def train(self, *a, **k):
    c0, w0 = time.process_time(), time.perf_counter()
    try:
        return _train(self, *a, **k)
    finally:
        with open(os.environ["BENCH_TIMING_FILE"], "w") as fh:
            json.dump({"cpu": time.process_time() - c0, "wall": time.perf_counter() - w0}, fh)
transformers.Trainer.train = train
sys.argv = ["swift"] + sys.argv[1:]
from swift_cli.app import main
main()
"""
HP = dict(learning_rate=2e-3, lr_scheduler_type="cosine", weight_decay=0.1, max_grad_norm=1.0, optim="adamw_torch",
          seed=42, lora_rank=8, lora_alpha=32, lora_dropout=0.05, logging_steps=5)


# ---------------------------------------------------------------------------------------------- data

def write_dataset(path: Path, tokenizer, n_rows: int, lo: int, hi: int, seed: int = 0) -> None:
    """Chat rows whose answers are corpus slices of lo..hi tokens (uniform)."""
    from swift_cli.resources import resource_path

    ids = tokenizer(resource_path("corpus_en.txt").read_text(encoding="utf-8"), add_special_tokens=False)["input_ids"]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n_rows):
            n = rng.randint(lo, hi)
            start = rng.randrange(0, len(ids) - n)
            answer = tokenizer.decode(ids[start:start + n]).strip() or "ok"
            fh.write(json.dumps({"messages": [{"role": "user", "content": f"Recite passage {i}."},
                                              {"role": "assistant", "content": answer}]}, ensure_ascii=False) + "\n")


def encoded_rows(model_dir: Path, specs: list[str], max_length: int) -> list[dict]:
    """The rows exactly as swift tokenizes them (assistant-only labels), via the product's data path."""
    from swift_cli.engine import models
    from swift_cli.engine.data.build import collect, tokenize

    tok = models.load_tokenizer(model_dir)
    items, problems = collect(specs, "sft", model_name=[], model_author=[], seed=HP["seed"])
    if problems:
        raise SystemExit(f"dataset problems: {problems[:3]}")
    kept, dropped, _ = tokenize(items, tok, max_length, "delete")
    if dropped:
        raise SystemExit(f"{dropped} rows longer than --max_length {max_length}: raise it")
    return [{"input_ids": e.input_ids, "labels": e.labels} for e in kept]


# ------------------------------------------------------------------------------------------ baseline

def run_baseline(spec_file: str) -> None:
    """Child process: plain transformers Trainer + peft LoRA, padded batches. Writes a JSON result."""
    spec = json.loads(Path(spec_file).read_text())
    import torch

    torch.set_num_threads(spec["threads"])
    torch.set_flush_denormal(True)
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer,
                              TrainingArguments, set_seed)
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    rows = json.loads(Path(spec["rows_file"]).read_text())
    tok = AutoTokenizer.from_pretrained(spec["model_dir"])
    model = AutoModelForCausalLM.from_pretrained(spec["model_dir"], dtype=torch.float32)
    set_seed(HP["seed"])  # LoRA A matrices are drawn at wrapping time (trl wraps after seeding too)
    model = get_peft_model(model, LoraConfig(r=HP["lora_rank"], lora_alpha=HP["lora_alpha"],
                                             lora_dropout=HP["lora_dropout"], target_modules="all-linear",
                                             task_type="CAUSAL_LM"))
    seq2seq = DataCollatorForSeq2Seq(tok, padding="longest", label_pad_token_id=-100)
    seen = {"real": 0, "padded": 0}

    def collate(features):
        batch = seq2seq(features)
        seen["real"] += int(batch["attention_mask"].sum())
        seen["padded"] += batch["input_ids"].numel()
        return batch

    args = TrainingArguments(
        output_dir=spec["output_dir"], num_train_epochs=spec["epochs"], per_device_train_batch_size=spec["batch"],
        gradient_accumulation_steps=1, learning_rate=HP["learning_rate"], lr_scheduler_type=HP["lr_scheduler_type"],
        warmup_steps=0, weight_decay=HP["weight_decay"], max_grad_norm=HP["max_grad_norm"], optim=HP["optim"],
        seed=HP["seed"], data_seed=HP["seed"], logging_steps=HP["logging_steps"], save_strategy="no",
        report_to="none", use_cpu=True, disable_tqdm=True, gradient_checkpointing=False,
        remove_unused_columns=False, dataloader_num_workers=0,
    )
    trainer = Trainer(model=model, args=args, train_dataset=Dataset.from_list(rows), data_collator=collate)
    c0 = time.process_time()
    out = trainer.train()
    train_cpu = time.process_time() - c0
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    Path(spec["result_file"]).write_text(json.dumps({
        "train_runtime": out.metrics["train_runtime"], "train_cpu": train_cpu, "train_loss": out.metrics["train_loss"],
        "last_loss": losses[-1] if losses else float("nan"), "steps": trainer.state.global_step,
        "real_tokens": seen["real"], "padded_positions": seen["padded"],
    }))


# ------------------------------------------------------------------------------------------- parent

def child_env(threads: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), TOKENIZERS_PARALLELISM="false",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("CUDA_VISIBLE_DEVICES", None)
    return env


def run_swift(work: Path, model_dir: Path, data: Path, args) -> dict:
    out_dir = work / "swift_out"
    cmd = [PY, "-c", SWIFT_LAUNCHER, "sft", "--model", str(model_dir), "--dataset", "self-cognition", str(data),
           "--train_type", "lora", "--lora_rank", str(HP["lora_rank"]), "--lora_alpha", str(HP["lora_alpha"]),
           "--lora_dropout", str(HP["lora_dropout"]), "--target_modules", "all-linear",
           "--packing", "true", "--max_length", str(args.max_length),
           "--per_device_train_batch_size", str(args.packed_batch), "--gradient_accumulation_steps", "1",
           "--num_train_epochs", str(args.epochs), "--learning_rate", str(HP["learning_rate"]),
           "--lr_scheduler_type", HP["lr_scheduler_type"], "--warmup_ratio", "0", "--weight_decay",
           str(HP["weight_decay"]), "--max_grad_norm", str(HP["max_grad_norm"]), "--optim", HP["optim"],
           "--seed", str(HP["seed"]), "--logging_steps", str(HP["logging_steps"]), "--save_steps", "100000",
           "--gradient_checkpointing", "false", "--use_cpu", "true", "--report_to", "none",
           "--output_dir", str(out_dir)]
    t0 = time.perf_counter()
    timing_file = work / "swift_timing.json"
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env=dict(child_env(args.threads), BENCH_TIMING_FILE=str(timing_file)))
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"swift sft failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}\n{proc.stdout[-2000:]}")
    logs = sorted(out_dir.rglob("logging.jsonl"), key=lambda p: p.stat().st_mtime)
    if not logs:
        raise SystemExit(f"no logging.jsonl under {out_dir}")
    records = [json.loads(line) for line in logs[-1].read_text().splitlines() if line.strip()]
    final = next(r for r in reversed(records) if "train_runtime" in r)
    loss_recs = [r for r in records if "loss" in r]
    timing = json.loads(timing_file.read_text())
    return {"wall": wall, "train_runtime": final["train_runtime"], "train_cpu": timing["cpu"], "train_loss": final.get("train_loss"),
            "last_loss": loss_recs[-1]["loss"] if loss_recs else float("nan"), "steps": final["step"],
            "tokens_seen": max((r.get("tokens_seen", 0) for r in records), default=0),
            "logged_tokens_per_sec": [r["tokens_per_sec"] for r in records if "tokens_per_sec" in r],
            "stderr_tail": proc.stderr[-1500:]}


def run_baseline_child(work: Path, model_dir: Path, rows_file: Path, batch: int, args) -> dict:
    spec = {"model_dir": str(model_dir), "rows_file": str(rows_file), "batch": batch, "epochs": args.epochs,
            "threads": args.threads, "output_dir": str(work / "baseline_out"),
            "result_file": str(work / "baseline_result.json")}
    spec_file = work / "baseline_spec.json"
    spec_file.write_text(json.dumps(spec))
    t0 = time.perf_counter()
    proc = subprocess.run([PY, str(Path(__file__).resolve()), "--_baseline", str(spec_file)], capture_output=True,
                          text=True, env=child_env(args.threads))
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"baseline failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return {**json.loads(Path(spec["result_file"]).read_text()), "wall": wall}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--rows", type=int, default=200, help="corpus rows besides the 125 self-cognition rows")
    ap.add_argument("--min_tokens", type=int, default=20)
    ap.add_argument("--max_tokens", type=int, default=400, help="longest answer, in tokens")
    ap.add_argument("--max_length", type=int, default=512, help="packed sequence length for swift")
    ap.add_argument("--packed_batch", type=int, default=2, help="packed sequences per step for swift")
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--keep", help="keep model, data and runs in this directory")
    ap.add_argument("--_baseline", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._baseline:
        run_baseline(args._baseline)
        return 0

    sys.path.insert(0, str(ROOT))
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"train throughput: {args.threads} threads, load average {os.getloadavg()[0]:.2f} (1 min), "
          f"{os.cpu_count()} CPUs; work dir {work}")

    from swift_cli.engine import models
    from swift_cli.engine.tiny_model import build_tiny_model

    model_dir = work / "model"
    if not (model_dir / "config.json").is_file():
        build_tiny_model(model_dir, **MODEL, overwrite=True)
    data = work / "rows.jsonl"
    write_dataset(data, models.load_tokenizer(model_dir), args.rows, args.min_tokens, args.max_tokens)
    rows = encoded_rows(model_dir, ["self-cognition", str(data)], args.max_length)
    rows_file = work / "rows_encoded.json"
    rows_file.write_text(json.dumps(rows))
    lengths = sorted(len(r["input_ids"]) for r in rows)
    tokens_per_epoch = sum(lengths)
    print(f"model: qwen2 hidden {MODEL['hidden_size']}, {MODEL['num_layers']} layers; data: {len(rows)} rows, "
          f"{tokens_per_epoch} tokens/epoch, length min {lengths[0]} / median {lengths[len(lengths) // 2]} / "
          f"max {lengths[-1]}; {args.epochs} epochs")

    sw = run_swift(work, model_dir, data, args)
    steps_per_epoch = sw["steps"] / args.epochs
    # the batch (rows) whose step count per epoch is closest to swift's
    batch = min(range(1, len(rows) + 1), key=lambda b: (abs(math.ceil(len(rows) / b) - steps_per_epoch), b))
    base = run_baseline_child(work, model_dir, rows_file, batch, args)

    total = tokens_per_epoch * args.epochs
    sw_tps = total / sw["train_runtime"]
    base_tps = total / base["train_runtime"]
    sw_cps = total / sw["train_cpu"]
    base_cps = total / base["train_cpu"]
    pad_frac = 1 - base["real_tokens"] / base["padded_positions"]
    table = [
        ("", "swift sft --packing true", "Trainer, padded"),
        ("batch per step", f"{args.packed_batch} x {args.max_length} packed", f"{batch} rows (pad to longest)"),
        ("optimizer steps", f"{sw['steps']}", f"{base['steps']}"),
        ("non-pad tokens", f"{total}", f"{base['real_tokens']}"),
        ("pad share of positions", "0% (padding-free)", f"{pad_frac:.0%}"),
        ("train_runtime s", f"{sw['train_runtime']:.1f}", f"{base['train_runtime']:.1f}"),
        ("process wall s", f"{sw['wall']:.1f}", f"{base['wall']:.1f}"),
        ("train CPU s (all threads)", f"{sw['train_cpu']:.1f}", f"{base['train_cpu']:.1f}"),
        ("effective tokens/s", f"{sw_tps:.0f}", f"{base_tps:.0f}"),
        ("effective tokens/CPU-s", f"{sw_cps:.0f}", f"{base_cps:.0f}"),
        ("final loss (last log)", f"{sw['last_loss']:.4f}", f"{base['last_loss']:.4f}"),
        ("mean train loss", f"{sw['train_loss']:.4f}", f"{base['train_loss']:.4f}"),
    ]
    w0 = max(len(r[0]) for r in table)
    w1 = max(len(r[1]) for r in table)
    print()
    for i, (a, b, c) in enumerate(table):
        print(f"{a:<{w0}}  {b:<{w1}}  {c}")
        if i == 0:
            print(f"{'-' * w0}  {'-' * w1}  {'-' * max(len(r[2]) for r in table)}")
    ratio = sw_tps / base_tps
    print(f"\nspeed-up swift packed / padded Trainer, wall tokens/s: {ratio:.2f}x (goal >= {GOAL}x): "
          f"{'MET' if ratio >= GOAL else 'NOT MET'}")
    print(f"speed-up by CPU time (less sensitive to other jobs): {sw_cps / base_cps:.2f}x; "
          f"load average now {os.getloadavg()[0]:.2f}")
    print(f"swift's own count: tokens_seen {sw['tokens_seen']} (last log record; expected {total} at the end), "
          f"logged tokens_per_sec {sw['logged_tokens_per_sec'][:3]}...{sw['logged_tokens_per_sec'][-2:]}")
    if base["real_tokens"] != total:
        print(f"warning: baseline saw {base['real_tokens']} non-pad tokens, expected {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
