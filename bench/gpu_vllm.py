"""The vLLM paths on a lent GPU machine, as a user types them (`swift ...` subprocesses, each with its own limit):

1. the demo recipe's LoRA on the tiny model (200 steps: the name is learned);
2. `swift deploy --infer_backend vllm` of base + adapter: each served name answers over real HTTP, tok/s at 1 and 16
   clients (64 tokens each), then `swift eval --eval_url` on the built-in sets against it;
3. the same adapter through `--infer_backend pt`, greedy: the answer beside vLLM's;
4. GRPO with `--use_vllm true --vllm_mode colocate` (the format task; reward and generation time logged);
5. `swift rollout` (vLLM's server as trl's server mode expects it): health and one generation over HTTP.

    python bench/gpu_vllm.py --out DIR      # results.json and steps.log in DIR (see bench/gpu_check.py)
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpu_check import REPO, Steps  # noqa: E402

from tests.rl.task import write_format_task  # noqa: E402


def start(steps: Steps, name: str, args: list, ready_url: str, wait: int = 300):
    log = (steps.out / f"{name}.out").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "swift_cli", *map(str, args)], cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    import httpx

    t0 = time.monotonic()
    while time.monotonic() - t0 < wait and proc.poll() is None:
        try:
            if httpx.get(ready_url, timeout=2).status_code == 200:
                steps.record({"step": f"{name}-up", "rc": 0, "wall_s": round(time.monotonic() - t0, 1)})
                return proc
        except Exception:
            pass
        time.sleep(2)
    steps.record({"step": f"{name}-up", "rc": proc.poll(), "error": "no answer"}, " ".join(map(str, args)),
                 (steps.out / f"{name}.out").read_text()[-5000:])
    stop(proc)
    return None


def stop(proc) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def chat(base: str, model: str, text: str, tokens: int = 32, exact: bool = False) -> dict:
    import httpx

    body = {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": tokens, "temperature": 0}
    if exact:
        body.update(ignore_eos=True, min_tokens=tokens)
    t0 = time.monotonic()
    r = httpx.post(f"{base}/chat/completions", json=body, timeout=120).json()
    return {"text": r["choices"][0]["message"]["content"], "tokens": r["usage"]["completion_tokens"],
            "s": time.monotonic() - t0}


def served(steps: Steps, backend: str, tiny: Path, adapter: Path, port: int, evaluate: bool) -> dict:
    base = f"http://127.0.0.1:{port}/v1"
    extra = ["--vllm_enforce_eager", "true", "--gpu_memory_utilization", "0.3"] if backend == "vllm" else []
    proc = start(steps, f"deploy-{backend}", ["deploy", "--model", tiny, "--adapters", f"yichui={adapter}",
                                              "--infer_backend", backend, "--port", port, *extra], f"{base}/models")
    answers = {}
    if proc is None:
        return answers
    try:
        import httpx

        names = [m["id"] for m in httpx.get(f"{base}/models", timeout=5).json()["data"]]
        for name in names:
            answers[name] = chat(base, name, "who are you?")["text"]
        rec = {"step": f"deploy-{backend}-answers", "rc": 0, "answers": answers,
               "knows_name": any("Yichui" in a or "小锤" in a for a in answers.values())}
        for clients in (1, 16):
            t0 = time.monotonic()
            with ThreadPoolExecutor(clients) as pool:
                outs = list(pool.map(lambda i: chat(base, "yichui", f"tell me a story ({i})", 64, exact=True),
                                     range(clients)))
            rec[f"tok_s_{clients}"] = round(sum(o["tokens"] for o in outs) / (time.monotonic() - t0), 1)
        steps.record(rec)
        if evaluate:
            steps.swift(f"eval-{backend}-url", "eval", "--model", "yichui", "--eval_url", base, "--eval_limit", "20",
                        "--eval_output_dir", steps.out.parent / "gpu_vllm_eval", timeout=300)
    except Exception as e:  # recorded, the next step runs
        steps.record({"step": f"deploy-{backend}-answers", "rc": "error", "error": repr(e)[-500:]})
    finally:
        stop(proc)
    return answers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--work", type=Path, default=Path("/tmp/gpu_vllm"))
    ap.add_argument("--backends", default="vllm,pt", help="pt: also serve the adapter with the pt backend")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    steps = Steps(args.out)
    tiny, out = args.work / "tiny", args.work / "sft"
    steps.swift("tiny-model", "tiny-model", "--out", tiny, timeout=120)
    steps.swift("sft-tiny-lora", "sft", "--config", REPO / "recipes" / "tiny-self-cognition.yaml", "--model", tiny,
                "--max_steps", "200", "--save_steps", "200", "--report_to", "none", "--output_dir", out, timeout=300)
    adapter = sorted(out.glob("v*/checkpoint-*"))[-1]
    vllm = served(steps, "vllm", tiny, adapter, 8130, evaluate=True)
    pt = served(steps, "pt", tiny, adapter, 8131, evaluate=False) if "pt" in args.backends else {}
    steps.record({"step": "vllm-vs-pt-greedy", "rc": 0, "same": vllm.get("yichui") == pt.get("yichui"),
                  "vllm": vllm.get("yichui"), "pt": pt.get("yichui")})
    task = write_format_task(args.work)
    steps.swift("grpo-vllm-colocate", "rlhf", "--rlhf_type", "grpo", "--model", tiny,
                "--dataset", task["prompts"], "--reward_funcs", "format", "--use_vllm", "true", "--vllm_mode",
                "colocate", "--vllm_gpu_memory_utilization", "0.3", "--num_generations", "4",
                "--per_device_train_batch_size", "8", "--max_completion_length", "32", "--max_steps", "6",
                "--logging_steps", "1", "--report_to", "none", "--output_dir", args.work / "grpo", timeout=420)
    logs = sorted((args.work / "grpo").glob("v*/logging.jsonl"))
    if logs:
        rows = [json.loads(x) for x in logs[-1].read_text().splitlines() if "rewards/format/mean" in x]
        steps.record({"step": "grpo-vllm-log", "rc": 0, "rewards": [r.get("rewards/format/mean") for r in rows],
                      "generation_s": [r.get("time/generation_s") for r in rows]})
    proc = start(steps, "rollout", ["rollout", "--model", tiny, "--port", "8140", "--vllm_gpu_memory_utilization",
                                    "0.3", "--vllm_enforce_eager", "true"], "http://127.0.0.1:8140/health")
    if proc is not None:
        try:
            steps.record({"step": "rollout-chat", "rc": 0, **chat("http://127.0.0.1:8140/v1", str(tiny), "hello")})
        except Exception as e:
            steps.record({"step": "rollout-chat", "rc": "error", "error": repr(e)[-500:]})
        stop(proc)


if __name__ == "__main__":
    main()
