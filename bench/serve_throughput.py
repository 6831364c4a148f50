"""Serving throughput of `swift deploy` (pt backend): generated tokens/s with 1, 4 and 16 concurrent clients.

Starts `python -m swift_cli deploy` on the tiny model (built offline unless --model is given), sends the
same R greedy chat requests at each concurrency level with the official `openai` client, and reports
tokens/s, the ratio to answering them one by one (the 1-client run), p50/p95 latency, and whether every
request was answered with the same text as one by one (nothing lost, batching changes no answer).

    python bench/serve_throughput.py [--model DIR] [--requests 48] [--max_tokens 32] [--threads 1] [--json out.json]

On a busy small CPU machine torch's default of one intra-op thread per core can stall in thread
barriers (other processes hold the cores); --threads sets OMP_NUM_THREADS for the server to compare.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = ["who are you?", "What is the capital of France?", "Write a haiku about rain.", "你是谁？",
             "Explain gradient descent in one sentence.", "List three colours.", "How far is the moon?",
             "Tell me a joke about cats.", "What is 17 times 3?", "Translate 'good morning' to Chinese.",
             "Why is the sky blue?", "Name a famous painter.", "What does a GPU do?", "Say hello politely.",
             "Describe the sea in winter.", "What is a neural network?"]


def start_server(model: str, batch: int, extra: list[str], threads: int | None) -> tuple[subprocess.Popen, str, Path]:
    log = Path(tempfile.mkdtemp(prefix="serve-bench-")) / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **({"OMP_NUM_THREADS": str(threads)} if threads else {})}
    with log.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "swift_cli", "deploy", "--model", model, "--port", "0",
                                 "--max_batch_size", str(batch), "--log_requests", "false", *extra],
                                cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.time() + 600
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited:\n{log.read_text()[-2000:]}")
        found = re.search(r"http://127\.0\.0\.1:(\d+)/v1", log.read_text())
        if found:
            return proc, f"http://127.0.0.1:{found.group(1)}/v1", log
        time.sleep(0.3)
    proc.kill()
    sys.exit("server did not start")


def run_level(client, clients: int, requests: list[str], max_tokens: int) -> dict:
    def one(question: str):
        t0 = time.perf_counter()
        try:
            r = client.chat.completions.create(model="bench", messages=[{"role": "user", "content": question}],
                                               temperature=0, max_tokens=max_tokens)
        except Exception as exc:  # noqa: BLE001 - a lost request is counted, not fatal
            return None, 0, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}"
        return r.choices[0].message.content, r.usage.completion_tokens, time.perf_counter() - t0, None

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, requests))
    wall = time.perf_counter() - t0
    lat = sorted(r[2] for r in results)
    tokens = sum(r[1] for r in results)
    return {"clients": clients, "requests": len(requests), "answered": sum(r[0] is not None for r in results),
            "errors": [r[3] for r in results if r[3]][:3], "tokens": tokens, "wall_s": wall,
            "tokens_per_s": tokens / wall, "p50_s": statistics.median(lat),
            "p95_s": lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))], "texts": [r[0] for r in results]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model dir (default: build the tiny model in a temp dir)")
    ap.add_argument("--requests", type=int, default=48, help="requests per concurrency level")
    ap.add_argument("--max_tokens", type=int, default=32)
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--threads", type=int, help="OMP_NUM_THREADS for the server (default: torch's choice)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    import openai

    model = args.model
    if not model:
        from swift_cli.engine.tiny_model import build_tiny_model

        model = str(build_tiny_model(Path(tempfile.mkdtemp(prefix="serve-bench-")) / "tiny"))
    proc, url, log = start_server(model, max(args.levels), ["--served_model_name", "bench"], args.threads)
    try:
        client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=600)
        requests = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.requests)]
        run_level(client, 1, QUESTIONS[:2], args.max_tokens)  # warm-up
        rows = [run_level(client, c, requests, args.max_tokens) for c in args.levels]
    finally:
        proc.terminate()
        code = proc.wait(timeout=60)
    base = rows[0]
    print(f"pt backend, {Path(model).name}, {args.requests} greedy requests x max_tokens {args.max_tokens}, "
          f"{os.cpu_count()} CPU cores, server OMP_NUM_THREADS={args.threads or os.environ.get('OMP_NUM_THREADS', 'default')}, "
          f"load average {os.getloadavg()[0]:.1f}; server exit code {code}")
    print("| clients | answered | same text as 1-by-1 | gen tokens | wall s | tokens/s | vs 1-by-1 | p50 s | p95 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        same = sum(a == b for a, b in zip(r["texts"], base["texts"]))
        r["same_as_one_by_one"] = same
        r["ratio"] = r["tokens_per_s"] / base["tokens_per_s"]
        print(f"| {r['clients']} | {r['answered']}/{r['requests']} | {same}/{r['requests']} | {r['tokens']} | "
              f"{r['wall_s']:.1f} | {r['tokens_per_s']:.1f} | {r['ratio']:.2f}x | {r['p50_s']:.2f} | {r['p95_s']:.2f} |")
        if r["errors"]:
            print(f"  errors at {r['clients']} clients: {r['errors']}")
    if args.json:
        Path(args.json).write_text(json.dumps([{k: v for k, v in r.items() if k != "texts"} for r in rows], indent=1))
    lost = sum(r["requests"] - r["answered"] for r in rows)
    return 1 if lost or code != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
