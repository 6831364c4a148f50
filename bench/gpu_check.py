"""The CUDA paths, checked on a lent GPU machine in one run: `swift` as a user types it, on CUDA.

What it runs (each step a `swift ...` subprocess with its own time limit; a failed step is recorded and the
next one runs):

1. `swift doctor`: the probe sees the GPU.
2. The main job on CUDA (`swift demo --model tiny`) and a 60-step LoRA on the tiny model, then `swift infer`
   with the adapter (the trained name must come back).
3. `swift deploy` of that adapter on CUDA (pt backend): 1 and 16 concurrent clients over real HTTP.
4. Memory: the planner's prediction vs the measured allocator peak (`max_memory_allocated`), printed by
   `swift sft` itself, on models of real shapes from the registry (Qwen2.5 0.5B / 1.5B / 7B) with random
   bf16 weights (the weights' values do not change memory), LoRA, full, QLoRA (bitsandbytes 4-bit) and
   DeepSpeed ZeRO-2/3, at 2048 tokens.
5. `--infer_backend vllm` where vLLM is not installed: one line naming the extra.

    python bench/gpu_check.py --out DIR            # on the GPU machine (~6 min on an H200)
    python bench/gpu_check.py --out DIR --quick    # the same steps, small shapes, on any machine

Results: DIR/results.json (one record per step) and DIR/steps.log (each step's command and output tail).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# `memory: measured X GiB (WHAT)` then `, predicted Y GiB (E% off the estimate)` or `, no prediction`; WHAT may
# hold its own parentheses ("allocator peak (max_memory_allocated)")
MEM = re.compile(r"memory: measured ([\d.]+) GiB \((.+?)\)(?:, predicted ([\d.]+) GiB \(([-+\d.]+)% off|, no prediction)")


class Steps:
    def __init__(self, out: Path):
        self.out = out
        self.results: list[dict] = []
        self.log = (out / "steps.log").open("a", encoding="utf-8")

    def swift(self, name: str, *args, timeout: int = 300, env: dict | None = None) -> subprocess.CompletedProcess | None:
        cmd = [sys.executable, "-m", "swift_cli", *map(str, args)]
        t0 = time.monotonic()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
            rc, text = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as e:
            proc, rc = None, "timeout"
            text = (e.stdout or b"").decode(errors="replace") + (e.stderr or b"").decode(errors="replace")
        wall = round(time.monotonic() - t0, 1)
        rec = {"step": name, "rc": rc, "wall_s": wall}
        m = MEM.search(text)
        if m:
            rec.update(measured_gib=float(m.group(1)), measured_what=m.group(2))
            if m.group(3):
                rec.update(predicted_gib=float(m.group(3)), error_pct=float(m.group(4)))
        self.record(rec, " ".join(cmd[3:]), text)
        return proc

    def record_file(self) -> None:
        (self.out / "results.json").write_text(json.dumps(self.results, indent=1))

    def record(self, rec: dict, what: str = "", text: str = "") -> None:
        self.results.append(rec)
        self.log.write(f"\n=== {rec['step']}: {what}\n{text[-6000:]}\n--- {json.dumps(rec)}\n")
        self.log.flush()
        print(json.dumps(rec), flush=True)
        (self.out / "results.json").write_text(json.dumps(self.results, indent=1))


def random_model(key: str, dest: Path, tokenizer_from: Path, layers: int | None = None) -> Path:
    """A folder with the registry's config.json for `key`, random bf16 weights and the tiny model's tokenizer."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from swift_cli.registry.models import config_for, find_model

    cfg = {k: v for k, v in config_for(find_model(key)).items() if not k.startswith("_")}
    if layers:
        cfg["num_hidden_layers"] = layers
    model_type = cfg.pop("model_type")
    config = AutoConfig.for_model(model_type, **cfg)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(dest)
    del model
    for f in tokenizer_from.iterdir():
        if f.name.startswith(("tokenizer", "special_tokens", "chat_template", "vocab", "merges")):
            shutil.copy(f, dest / f.name)
    if device == "cuda":
        torch.cuda.empty_cache()
    return dest


def long_dataset(path: Path, n: int, words: int) -> Path:
    """n chat samples whose answers run past the max length (truncated to it): every batch is full length."""
    import random

    rng = random.Random(0)
    vocab = [w for w in "the model learns a new name from data and answers every question with care".split()]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = " ".join(rng.choice(vocab) for _ in range(words))
            fh.write(json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                              {"role": "assistant", "content": text}]}) + "\n")
    return path


def serve_clients(steps: Steps, model: Path, adapter: Path, port: int) -> None:
    """`swift deploy` on the adapter; tok/s at 1 and 16 concurrent clients (64 new tokens each)."""
    import httpx

    cmd = [sys.executable, "-m", "swift_cli", "deploy", "--model", str(model), "--adapters", str(adapter),
           "--port", str(port), "--infer_backend", "pt"]
    log = (steps.out / "deploy.out").open("w")
    server = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        end = time.monotonic() + 180
        while True:
            try:
                models = httpx.get(f"{base}/models", timeout=2).json()["data"]
                break
            except Exception:
                if time.monotonic() > end or server.poll() is not None:
                    steps.record({"step": "deploy", "rc": server.poll(), "error": "server did not answer"},
                                 " ".join(cmd[3:]), (steps.out / "deploy.out").read_text()[-4000:])
                    return
                time.sleep(1)
        name = models[-1]["id"]

        def one(results: list, i: int) -> None:
            body = {"model": name, "messages": [{"role": "user", "content": f"who are you? ({i})"}],
                    "max_tokens": 64, "temperature": 0}
            r = httpx.post(f"{base}/chat/completions", json=body, timeout=300).json()
            results.append((r["usage"]["completion_tokens"], r["choices"][0]["message"]["content"]))

        for clients in (1, 16):
            results: list = []
            t0 = time.monotonic()
            threads = [threading.Thread(target=one, args=(results, i)) for i in range(clients)]
            [t.start() for t in threads]
            [t.join() for t in threads]
            wall = time.monotonic() - t0
            toks = sum(n for n, _ in results)
            steps.record({"step": f"deploy-{clients}-clients", "rc": 0 if len(results) == clients else 1,
                          "models": [m["id"] for m in models], "tokens": toks, "tok_per_s": round(toks / wall, 1),
                          "first_answer": results[0][1][:80] if results else None})
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def tiny_steps(steps: Steps, work: Path, quick: bool) -> tuple[Path, Path | None]:
    tiny = work / "tiny"
    steps.swift("tiny-model", "tiny-model", "--out", tiny, timeout=120)
    out, n = work / "sft-tiny", "4" if quick else "60"
    steps.swift("sft-tiny-lora", "sft", "--config", REPO / "recipes" / "tiny-self-cognition.yaml", "--model", tiny,
                "--max_steps", n, "--save_steps", n, "--report_to", "none", "--output_dir", out, timeout=300)
    ckpts = sorted(out.glob("v*/checkpoint-*"))
    if not ckpts:
        return tiny, None
    proc = steps.swift("infer-tiny-adapter", "infer", "--model", tiny, "--adapters", ckpts[-1], "--query",
                       "who are you?", "--infer_backend", "pt", timeout=180)
    if proc is not None:
        steps.results[-1]["knows_name"] = "Yichui" in proc.stdout or "小锤" in proc.stdout
    return tiny, ckpts[-1]


# What moves the peak: batch, length, gradient checkpointing, full vs LoRA (one shape; 7B with ms-swift's default
# gradient checkpointing on).
GRID = [
    ("qwen2.5-0.5b-instruct", "full", 1, ["--gradient_checkpointing", "false"]),
    ("qwen2.5-0.5b-instruct", "full", 4, ["--gradient_checkpointing", "true"]),
    ("qwen2.5-0.5b-instruct", "full-L1024", 4, ["--gradient_checkpointing", "false", "--max_length", "1024"]),
    ("qwen2.5-0.5b-instruct", "lora", 4, ["--gradient_checkpointing", "false"]),
    ("qwen2.5-0.5b-instruct", "lora", 4, ["--gradient_checkpointing", "true"]),
    ("qwen2.5-1.5b-instruct", "lora", 4, ["--gradient_checkpointing", "true"]),
    ("qwen2.5-7b-instruct", "lora", 2, ["--gradient_checkpointing", "true"]),
]


def memory_steps(steps: Steps, work: Path, tiny: Path, quick: bool, grid: bool = False) -> None:
    """Predicted vs measured peak on registry shapes (random weights), as `swift sft` prints it."""
    length = 256 if quick else 2048
    data = long_dataset(work / "long.jsonl", 64, length * 2)
    common = ["--dataset", data, "--max_length", length, "--truncation_strategy", "right", "--max_steps", "3",
              "--logging_steps", "1", "--save_strategy", "no", "--report_to", "none", "--torch_dtype", "bfloat16"]
    layers = 2 if quick else None
    cases = [  # most telling first: a call cut at its time limit still brings back what ran
        ("qwen2.5-7b-instruct", "lora", 2, []),
        ("qwen2.5-7b-instruct", "qlora-bnb4", 2, ["--quant_method", "bnb", "--quant_bits", "4"]),
        ("qwen2.5-0.5b-instruct", "full", 4, []),
        ("qwen2.5-1.5b-instruct", "lora", 4, []),
        ("qwen2.5-0.5b-instruct", "full-zero2", 4, ["--deepspeed", "zero2"]),
        ("qwen2.5-0.5b-instruct", "full-zero3", 4, ["--deepspeed", "zero3"]),
    ]
    if grid:
        cases = GRID
    made: dict[str, Path] = {}
    for key, kind, batch, extra in cases:
        if key not in made:
            t0 = time.monotonic()
            try:
                made[key] = random_model(key, work / key, tiny, layers)
                steps.record({"step": f"make-{key}", "rc": 0, "wall_s": round(time.monotonic() - t0, 1)})
            except Exception as e:  # noqa: BLE001 - recorded, the next case runs
                steps.record({"step": f"make-{key}", "rc": 1, "error": f"{type(e).__name__}: {e}"[:500]})
                continue
        train_type = "full" if kind.startswith("full") else "lora"
        gc = "-gc" if "true" in extra else ""
        out = work / f"out-{key}-{kind}{gc}-b{batch}"
        steps.swift(f"mem-{key}-{kind}{gc}-b{batch}", "sft", "--model", made[key], "--train_type", train_type,
                    "--per_device_train_batch_size", batch, "--output_dir", out, *common, *extra, timeout=300)
        rows = [json.loads(line) for f in out.glob("v*/logging.jsonl") for line in f.read_text().splitlines()]
        steps.results[-1].update(
            step1_peak_mib=next((r.get("memory_cuda_max_allocated_mib") for r in rows if r.get("step") == 1), None),
            tokens_per_sec=next((r.get("tokens_per_sec") for r in reversed(rows) if r.get("tokens_per_sec")), None))
        steps.record_file()
    for key in made:  # disk: the 7B folder alone is 15 GB
        shutil.rmtree(made[key], ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--work", type=Path, default=Path("/tmp/gpu_check"))
    ap.add_argument("--quick", action="store_true", help="small shapes (a dry run of the script on any machine)")
    ap.add_argument("--only", choices=["tiny", "memory", "serve", "grid"], action="append")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    steps = Steps(args.out)
    only = set(args.only or ["tiny", "memory", "serve"])
    proc = steps.swift("doctor", "doctor", "--network", "false", timeout=120)
    if proc is not None:
        steps.results[-1]["gpu_line"] = [ln for ln in proc.stdout.splitlines() if "GPU" in ln or "CUDA" in ln][:4]
    tiny, adapter = tiny_steps(steps, args.work, args.quick) if only & {"tiny", "serve"} else (None, None)
    if "serve" in only and adapter is not None:
        serve_clients(steps, tiny, adapter, 8123)
    if only & {"tiny", "serve"}:
        steps.swift("vllm-absent", "deploy", "--model", tiny or args.work / "tiny", "--infer_backend", "vllm",
                "--port", "8124", timeout=120)
    if only & {"memory", "grid"}:
        if tiny is None:
            tiny = args.work / "tiny"
            steps.swift("tiny-model", "tiny-model", "--out", tiny, timeout=120)
        memory_steps(steps, args.work, tiny, args.quick, grid="grid" in only)
    if "tiny" in only and not args.quick:  # the main job on CUDA, last: the tiny steps above cover its parts
        steps.swift("demo-tiny", "demo", "--model", "tiny", "--workdir", args.work / "demo", timeout=300)


if __name__ == "__main__":
    main()
