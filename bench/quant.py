"""Quantized vs unquantized on a small trained model: size on disk, held-out perplexity, generation tokens/s.

Builds a tiny-architecture Qwen2 model bigger than the test one (so linear layers dominate its size), trains it
briefly on the bundled English corpus minus the held-out tail (so perplexity means something), saves it in
fp32 and bf16, then runs `swift quantize` for each CPU method at 4 and 8 bits (each verifies itself and writes
verification.json with the held-out perplexity) and times greedy generation of every output against the fp32
model, interleaved, in this one process. Always exits 0; prints the figures.

Run: .venv/bin/python bench/quant.py [--methods hqq quanto torchao bnb] [--bits 4 8] [--hidden 512 --layers 4]
     .venv/bin/python bench/quant.py --model /path/to/smollm2-135m-instruct   # a real model instead
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def build_and_train(out: Path, hidden: int, layers: int, steps: int) -> Path:
    """The model, trained `steps` steps on the corpus head (the held-out tail is never seen)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from swift_cli.engine.export.verify import HELD_OUT_CHARS
    from swift_cli.engine.tiny_model import build_tiny_model
    from swift_cli.resources import resource_path

    build_tiny_model(out, hidden_size=hidden, num_layers=layers, num_heads=hidden // 64, num_kv_heads=hidden // 128,
                     intermediate_size=int(hidden * 2.75) // 64 * 64, overwrite=True)
    tok = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32)
    text = resource_path("corpus_en.txt").read_text(encoding="utf-8")[:-HELD_OUT_CHARS]
    ids = torch.tensor(tok(text)["input_ids"])
    seq, batch = 128, 8
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for step in range(steps):
        starts = torch.randint(0, len(ids) - seq - 1, (batch,), generator=gen)
        x = torch.stack([ids[s:s + seq] for s in starts])
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        if step % 50 == 0 or step == steps - 1:
            print(f"  train step {step:4d} loss {loss.item():.3f}", flush=True)
    model.eval()
    model.save_pretrained(out)
    return out


def weights_bytes(folder: Path) -> int:
    from swift_cli.engine.export.artifacts import weights_size

    return weights_size(folder)


def tokens_per_second(model, prompt_ids, n_new: int) -> float:
    import torch

    x = torch.tensor([prompt_ids])
    start = time.perf_counter()
    with torch.no_grad():
        out = model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=n_new, min_new_tokens=n_new,
                             do_sample=False, temperature=None, top_p=None, top_k=None, pad_token_id=0)
    return (out.shape[1] - x.shape[1]) / (time.perf_counter() - start)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--methods", nargs="+", default=["hqq", "quanto", "torchao", "bnb"])
    ap.add_argument("--bits", nargs="+", type=int, default=[4, 8])
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--train_steps", type=int, default=100)
    ap.add_argument("--new_tokens", type=int, default=48)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--model", default=None, help="quantize this HF folder instead of building and training one "
                    "(e.g. the real model: swift download --model smollm2-135m-instruct)")
    ap.add_argument("--keep", default=None, help="work folder to keep (default: a temp folder, removed)")
    args = ap.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from swift_cli.engine.export.quantizers import load_quantized

    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-quant-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; torch threads {torch.get_num_threads()}")
    base = Path(args.model) if args.model else build_and_train(work / "base", args.hidden, args.layers,
                                                               args.train_steps)
    fp32 = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32).eval()
    n_params = sum(p.numel() for p in fp32.parameters())
    bf16_dir = work / "bf16"
    AutoModelForCausalLM.from_pretrained(base, dtype=torch.bfloat16).save_pretrained(bf16_dir)
    size_fp32, size_bf16 = weights_bytes(base), weights_bytes(bf16_dir)
    what = f"{base.name} ({fp32.config.model_type})" if args.model else f"qwen2 hidden {args.hidden}, {args.layers} layers"
    print(f"model: {what}, {n_params / 1e6:.2f}M params; "
          f"fp32 {size_fp32 / 2**20:.1f} MiB, bf16 {size_bf16 / 2**20:.1f} MiB on disk")

    rows = []
    for method in args.methods:
        for bits in args.bits:
            out = work / f"{method}-int{bits}"
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "swift_cli", "quantize", "--model", str(base),
                                   "--quant_method", method, "--quant_bits", str(bits), "--output_dir", str(out),
                                   "--exist_ok", "true", "--verify_prompts", "8"], cwd=REPO, capture_output=True,
                                  text=True)
            took = time.perf_counter() - t0
            if not (out / "verification.json").is_file():
                print(f"{method} int{bits}: FAILED (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
                continue
            rep = json.loads((out / "verification.json").read_text())
            rows.append({"method": method, "bits": bits, "dir": out, "report": rep, "quantize_s": took,
                         "exit": proc.returncode})

    tok = AutoTokenizer.from_pretrained(base)
    prompt = tok("The history of the city begins", add_special_tokens=False)["input_ids"]
    models = {"fp32": fp32}
    for r in rows:
        models[f"{r['method']}-int{r['bits']}"] = load_quantized(r["dir"])
    speed: dict[str, list[float]] = {k: [] for k in models}
    for name, m in models.items():  # warm-up
        tokens_per_second(m, prompt, 4)
    for _ in range(args.rounds):  # interleaved so load changes hit every model alike
        for name, m in models.items():
            speed[name].append(tokens_per_second(m, prompt, args.new_tokens))
    base_tps = statistics.median(speed["fp32"])

    print(f"\nheld-out text: the last 6000 characters of corpus_en.txt (never trained on); "
          f"{args.new_tokens} greedy tokens x {args.rounds} interleaved rounds, median")
    header = f"{'method':<14}{'MiB':>8}{'vs fp32':>9}{'vs bf16':>9}{'ppl src':>9}{'ppl q':>9}{'ppl Δ':>8}" \
             f"{'greedy':>8}{'tok/s':>8}{'vs fp32':>9}  verified"
    print(header)
    print(f"{'fp32':<14}{size_fp32 / 2**20:>8.1f}{1:>9.3f}{size_fp32 / size_bf16:>9.3f}{'':>9}{'':>9}{'':>8}"
          f"{'':>8}{base_tps:>8.1f}{1:>9.2f}")
    for r in rows:
        rep, name = r["report"], f"{r['method']}-int{r['bits']}"
        size = weights_bytes(r["dir"])
        tps = statistics.median(speed[name])
        print(f"{name:<14}{size / 2**20:>8.1f}{size / size_fp32:>9.3f}{size / size_bf16:>9.3f}"
              f"{rep.get('ppl_source', float('nan')):>9.2f}{rep.get('ppl_artifact', float('nan')):>9.2f}"
              f"{(rep.get('ppl_ratio', float('nan')) - 1) * 100:>+7.1f}%{rep.get('greedy_agreement', 0):>8.0%}"
              f"{tps:>8.1f}{tps / base_tps:>9.2f}  {rep.get('verified')}")
    print("\nsize = weight files on disk (embeddings included); ppl Δ = held-out perplexity change vs fp32; "
          "greedy = fixed chat prompts whose greedy answer is identical (8 prompts)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
