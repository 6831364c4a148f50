"""How wrong is the memory estimator? Real training steps vs ``hardware.memory.estimate``.

Runs a few real AdamW training steps (plain torch + transformers, peft for LoRA) in a fresh
subprocess per case over the grid

    model {small 11M tied, base 55M untied} × {full, lora} × batch {1, 4} × seq {128, 512}
    × gradient checkpointing {off, on}

and prints the planner's estimate for exactly that configuration (hardware.plan.make_plan with every
memory flag fixed, as `swift sft --dry_run` plans it) vs the measured peak, with the error of each case and
the median absolute error.

What is measured (the same quantity the estimator predicts, see shared/conventions.md):
- CPU: peak RSS (``ru_maxrss``) of the training process minus the peak RSS of an idle process
  that made the same imports. Training is fp32 (what our CPU runs do).
- CUDA (when a GPU is present): ``torch.cuda.max_memory_allocated()``; the model is loaded in
  bf16 and AdamW keeps bf16 states (the HF Trainer / ms-swift behaviour); the CUDA context is not
  in that figure, so the estimator's runtime-overhead line is left out of the comparison.

It also prints public reference points reproduced by the estimator (QLoRA 65B on a 48 GB card;
7B full fine-tuning with mixed-precision AdamW ≈ 16 bytes/param before activations).

    python bench/memory_accuracy.py                # full grid (~8 min on 2 CPU cores)
    python bench/memory_accuracy.py --quick        # small model only
    python bench/memory_accuracy.py --save m.json  # keep raw measurements
    python bench/memory_accuracy.py --load m.json  # re-print from saved measurements
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MIB = 1024 ** 2
MODELS = {
    # Qwen2-style configs built with from_config (random weights: memory does not care).
    "small-11M": dict(hidden_size=256, intermediate_size=704, num_hidden_layers=4,
                      num_attention_heads=4, num_key_value_heads=2, vocab_size=32000,
                      tie_word_embeddings=True),
    "base-55M": dict(hidden_size=512, intermediate_size=1408, num_hidden_layers=8,
                     num_attention_heads=8, num_key_value_heads=2, vocab_size=32000,
                     tie_word_embeddings=False),
    # Held out: never used to fit the CPU constants (run with --holdout).
    "mid-47M": dict(hidden_size=384, intermediate_size=1024, num_hidden_layers=6,
                    num_attention_heads=6, num_key_value_heads=3, vocab_size=48000,
                    tie_word_embeddings=False),
}
GRID_MODELS = ("small-11M", "base-55M")
LORA = dict(r=8, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear")  # ms-swift defaults


# --------------------------------------------------------------------------------------------
# worker: one case in a fresh process
# --------------------------------------------------------------------------------------------
def _worker(case: dict) -> dict:
    import resource

    import peft  # noqa: F401  (same imports in the idle baseline and every case)
    import torch
    import transformers
    from transformers.models.qwen2 import modeling_qwen2  # noqa: F401

    cuda = case.get("device") == "cuda" and torch.cuda.is_available()
    if case.get("idle"):
        return {"peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    torch.manual_seed(0)
    cfg = transformers.Qwen2Config(**MODELS[case["model"]], attn_implementation="sdpa",
                                   pad_token_id=0, bos_token_id=1, eos_token_id=2)
    dtype = torch.bfloat16 if cuda else torch.float32
    device = "cuda" if cuda else "cpu"
    model = transformers.AutoModelForCausalLM.from_config(cfg, dtype=dtype).to(device)
    if case["gc"]:
        model.activation_checkpointing_enable()
    if case["train_type"] == "lora":
        model = peft.get_peft_model(model, peft.LoraConfig(**LORA))
    model.train()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        start = torch.cuda.memory_allocated()
    params = [p for p in model.parameters() if p.requires_grad]
    # fused=True: the HF Trainer's default optimizer on torch ≥ 2.8 ("adamw_torch_fused"), which is
    # what our training runs use; it updates in place without per-step temporaries.
    opt = torch.optim.AdamW(params, lr=1e-4, fused=True)
    ids = torch.randint(3, cfg.vocab_size, (case["batch"], case["seq"]), device=device)
    mask = torch.ones_like(ids)
    t0 = time.time()
    for _ in range(case["steps"]):
        # Like the HF Trainer: keep only the loss, so the logits tensor is not held by the caller.
        loss = model(input_ids=ids, attention_mask=mask, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    out = {"seconds": round(time.time() - t0, 2), "loss": float(loss)}
    if cuda:
        torch.cuda.synchronize()
        # Allocator peak including the weights (the estimator predicts the same quantity).
        out.update(peak_bytes=int(torch.cuda.max_memory_allocated()), weights_start=int(start),
                   device="cuda")
    else:
        out.update(peak_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                   device="cpu")
    return out


def _run(case: dict, timeout: int = 300) -> dict:
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false", PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(case)],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"worker failed for {case}: {proc.stderr.strip().splitlines()[-1:]}")


# --------------------------------------------------------------------------------------------
# estimator side
# --------------------------------------------------------------------------------------------
def _spec(model: str):
    from hardware.spec import ModelSpec
    return ModelSpec.from_config({"model_type": "qwen2", **MODELS[model]})


def plan_wishes(case: dict, device: str) -> dict:
    """The measured configuration, every memory-relevant flag fixed, as `swift sft` would send it."""
    return dict(task="sft", train_type=case["train_type"], torch_dtype="bfloat16" if device == "cuda" else "float32",
                per_device_train_batch_size=case["batch"], gradient_accumulation_steps=1, max_length=case["seq"],
                gradient_checkpointing=bool(case["gc"]), lora_rank=LORA["r"], lora_alpha=LORA["lora_alpha"],
                lora_dropout=LORA["lora_dropout"], target_modules=LORA["target_modules"], attn_impl="sdpa",
                optim="adamw_torch_fused", nproc_per_node=1,
                padding_free=True)   # all-ones masks: transformers drops them (native GQA)


def _estimate(case: dict, device: str):
    """The planner's plan of exactly the measured configuration (what `swift sft --dry_run` shows), checked to
    have kept every flag; returns (peak bytes, breakdown terms)."""
    from hardware.plan import make_plan
    from hardware.profiles import builtin_profile

    wishes = plan_wishes(case, device)
    plan = make_plan(_spec(case["model"]), builtin_profile("cpu" if device == "cpu" else "h200"), wishes)
    for key in ("train_type", "per_device_train_batch_size", "max_length", "gradient_checkpointing",
                "torch_dtype"):
        assert plan.flags[key] == wishes[key], (key, plan.flags[key], wishes[key])
    return plan.peak_bytes, plan.breakdown


def _grid(quick: bool, holdout: bool = False) -> list[dict]:
    if holdout:   # shapes, batch and length not in the fitted grid
        return [dict(model="mid-47M", train_type=t, batch=2, seq=256, gc=g)
                for t, g in itertools.product(("full", "lora"), (False, True))]
    models = ["small-11M"] if quick else list(GRID_MODELS)
    return [dict(model=m, train_type=t, batch=b, seq=s, gc=g)
            for m, t, b, s, g in itertools.product(models, ("full", "lora"), (1, 4), (128, 512),
                                                  (False, True))]


def measure(quick: bool, steps: int, device: str, holdout: bool = False) -> dict:
    base = None
    if device == "cpu":
        # Idle process with the same imports; the smaller of two runs (imports are deterministic,
        # page-cache effects are not).
        base = min(_run({"idle": True})["peak_bytes"] for _ in range(2))
    rows = []
    for case in _grid(quick, holdout):
        t = time.time()
        got = _run({**case, "steps": steps, "device": device})
        measured = got["peak_bytes"] - (base or 0)
        rows.append({**case, "measured_bytes": measured, "seconds": got["seconds"],
                     "wall": round(time.time() - t, 1)})
        print(f"  measured {case} → {measured / MIB:8.1f} MiB ({rows[-1]['wall']} s)",
              file=sys.stderr, flush=True)
    return {"device": device, "baseline_bytes": base, "steps": steps, "rows": rows}


def report(data: dict) -> tuple[float, float]:
    device = data["device"]
    print(f"\nDevice: {device}; measured = "
          + ("peak RSS − idle-process RSS with the same imports "
             f"({data['baseline_bytes'] / MIB:.0f} MiB), fp32 AdamW"
             if device == "cpu" else "torch.cuda.max_memory_allocated, bf16 AdamW")
          + f"; {data['steps']} steps per case\n")
    hdr = (f"{'model':10} {'type':5} {'b':>2} {'seq':>4} {'gc':3} {'estimate':>9} "
           f"{'measured':>9} {'error':>7}   top terms of the estimate (MiB)")
    print(hdr)
    print("-" * len(hdr))
    errs = []
    for r in data["rows"]:
        peak, terms = _estimate(r, device)
        est = peak - (terms.get("runtime_overhead", 0) if device == "cuda" else 0)
        err = (est - r["measured_bytes"]) / r["measured_bytes"] * 100
        errs.append(abs(err))
        top = sorted(((v, k) for k, v in terms.items() if v > 0), reverse=True)[:3]
        tops = ", ".join(f"{k} {v / MIB:.0f}" for v, k in top)
        print(f"{r['model']:10} {r['train_type']:5} {r['batch']:>2} {r['seq']:>4} "
              f"{'on' if r['gc'] else 'off':3} {est / MIB:8.0f}M {r['measured_bytes'] / MIB:8.0f}M "
              f"{err:+6.1f}%   {tops}")
    med, worst = statistics.median(errs), max(errs)
    if data.get("wall_seconds"):
        print(f"measured in {data['wall_seconds']:.0f} s wall")
    print(f"\nmedian |error| {med:.1f}%   worst |error| {worst:.1f}%   cases {len(errs)}   "
          f"(goal: median ≤ 10%, none over 25%)")
    return med, worst


def reference_points() -> None:
    """Public reference points reproduced by the estimator."""
    from hardware.memory import MemoryInputs, estimate
    from hardware.spec import ModelSpec
    GB = 1e9
    llama65 = ModelSpec.from_config({"model_type": "llama", "hidden_size": 8192,
                                     "intermediate_size": 22016, "num_hidden_layers": 80,
                                     "num_attention_heads": 64, "vocab_size": 32000})
    llama7 = ModelSpec.from_config({"model_type": "llama", "hidden_size": 4096,
                                    "intermediate_size": 11008, "num_hidden_layers": 32,
                                    "num_attention_heads": 32, "vocab_size": 32000})
    print("\nPublic reference points")
    q = estimate(llama65, MemoryInputs(train_type="qlora", dtype="bfloat16", quant="bnb4",
                                       lora_rank=64, lora_target_modules="all-linear",
                                       optimizer="paged_adamw", batch_size=1, seq_len=512,
                                       gradient_checkpointing=True, device_kind="cuda"))
    print(f"  LLaMA-65B QLoRA (NF4+DQ, r64 all-linear, paged AdamW, GC, 1×512): estimate "
          f"{q.peak_bytes / GB:.1f} GB (4-bit weights {q.terms['weights'] / GB:.1f} GB); QLoRA "
          f"paper (Dettmers et al. 2023): finetunes on one 48 GB GPU → "
          f"{'fits' if q.peak_bytes <= 48 * GB else 'DOES NOT FIT'} "
          f"({q.peak_bytes / (48 * GB) * 100:.0f}% of 48 GB)")
    f = estimate(llama7, MemoryInputs(train_type="full", dtype="bfloat16", master_weights=True,
                                      optimizer="adamw", batch_size=1, seq_len=1,
                                      device_kind="cuda"))
    static = sum(f.terms[k] for k in ("weights", "gradients", "optimizer_states", "master_weights"))
    bpp = static / llama7.params_total
    print(f"  LLaMA-7B full FT, mixed precision AdamW (fp32 master + moments, 16-bit weights+grads):"
          f" {bpp:.1f} bytes/param before activations (reference ≈ 16; {bpp / 16 * 100 - 100:+.0f}%)")
    g = estimate(llama7, MemoryInputs(train_type="full", dtype="bfloat16", optimizer="adamw",
                                      batch_size=1, seq_len=1, device_kind="cuda"))
    static = sum(g.terms[k] for k in ("weights", "gradients", "optimizer_states", "master_weights"))
    print(f"  LLaMA-7B full FT, pure bf16 AdamW (HF Trainer with --torch_dtype bfloat16): "
          f"{static / llama7.params_total:.1f} bytes/param (conventions: ≈ 8)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="small model only")
    ap.add_argument("--holdout", action="store_true",
                    help="4 cases on a model shape that was not used to fit the CPU constants")
    ap.add_argument("--steps", type=int, default=2, help="training steps per case (default 2)")
    ap.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    ap.add_argument("--save", help="write raw measurements to this JSON file")
    ap.add_argument("--load", help="re-print from a JSON file written by --save")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_worker(json.loads(args.worker))))
        return 0
    if args.load:
        data = json.loads(Path(args.load).read_text())
    else:
        device = args.device
        if device == "auto":
            try:  # ask a child: the parent stays torch-free
                code = "import torch; print(torch.cuda.is_available())"
                out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                     text=True, timeout=120).stdout.strip()
                device = "cuda" if out == "True" else "cpu"
            except Exception:
                device = "cpu"
        t = time.time()
        data = measure(args.quick, args.steps, device, args.holdout)
        data["wall_seconds"] = round(time.time() - t, 1)
        print(f"grid measured in {data['wall_seconds']} s", file=sys.stderr)
        if args.save:
            Path(args.save).write_text(json.dumps(data, indent=1))
    report(data)
    reference_points()
    return 0


if __name__ == "__main__":
    sys.exit(main())
