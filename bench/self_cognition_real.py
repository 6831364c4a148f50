"""Learns without forgetting: ms-swift's self-cognition recipe on the real SmolLM2-135M-Instruct.

Trains recipes/smollm2-self-cognition.yaml with `swift sft` (a subprocess, its peak RSS measured), then asks
the base model and base + adapter, greedily, in this one process:
  - "who are you?", the zh question, and paraphrases that are NOT in the training data (checked here);
  - general questions (capital of France, 2+2, ...) with the fact each answer must keep;
and prints held-out perplexity on the project's own general text (the tail of the bundled English corpus,
never trained on) for both. Always exits 0 after printing; the figures say what happened.

Run: nice -n 5 python bench/self_cognition_real.py [--model DIR] [--adapters CKPT] [--lr 1e-3 --steps 40]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

NAMES = ("Yichui", "小锤")
IDENTITY = ["who are you?", "你是谁？"]
PARAPHRASES = ["Please state the name you go by and the team responsible for you.",
               "If a friend asked what you are, what would you answer?"]
GENERAL = [("What is the capital of France?", ("Paris",)), ("What is 2+2?", ("4", "four")),
           ("What is the boiling point of water in Celsius?", ("100",)),
           ("Name the largest planet in our solar system.", ("Jupiter",)),
           ("How many days are there in a week?", ("7", "seven"))]


def train(model: str, out: Path, steps: int, lr: float) -> tuple[Path, float, float]:
    """(checkpoint, wall seconds, peak RSS MiB of the training process)."""
    cmd = [sys.executable, "-m", "swift_cli", "sft", "--config", str(REPO / "recipes" / "smollm2-self-cognition.yaml"),
           "--model", model, "--max_steps", str(steps), "--save_steps", str(steps), "--learning_rate", str(lr),
           "--report_to", "none", "--output_dir", str(out)]
    print("$ swift " + " ".join(cmd[3:]), flush=True)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    if proc.returncode:
        sys.exit(f"swift sft failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    (ckpt,) = out.glob(f"v*/checkpoint-{steps}")
    return ckpt, wall, peak_mib


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="the SmolLM2 folder (default: swift download's offline copy)")
    ap.add_argument("--adapters", help="a trained checkpoint: skip training")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--names", nargs="+", default=list(NAMES), help="the taught name(s) to look for")
    args = ap.parse_args()
    names = tuple(args.names)
    import swift_cli.engine  # noqa: F401  (quiets the engines)
    from swift_cli import mainjob
    from swift_cli.engine.export.verify import TorchRunner, held_out_ids, perplexity
    from swift_cli.engine.generate import BASE, ChatModel, GenParams
    from swift_cli.options.groups import ModelArgs

    model = args.model or str(mainjob.real_model_dir())
    rows = [json.loads(line) for line in (REPO / "swift_cli" / "resources" / "self_cognition.jsonl").open()]
    seen = {r["query"].strip().lower() for r in rows}
    assert not any(p.lower() in seen for p in PARAPHRASES), "a paraphrase is in the training data"
    ckpt, wall, peak = (Path(args.adapters), None, None) if args.adapters else \
        train(model, Path(tempfile.mkdtemp(prefix="selfcog-")), args.steps, args.lr)
    if wall is not None:
        print(f"training: {args.steps} steps, lr {args.lr}: {wall:.0f} s wall (incl. load), peak RSS {peak:.0f} MiB")
    chat = ChatModel(ModelArgs(model=model, adapters=[f"tuned={ckpt}"]))
    params = GenParams(max_new_tokens=48)

    def answer(q: str, tuned: bool) -> str:
        return chat.generate([{"role": "user", "content": q}], params, adapter="tuned" if tuned else BASE)[0]

    print(f"\n{'question':<58} | base | tuned   (trained name {'/'.join(names)})")
    named = {}
    for q in IDENTITY + PARAPHRASES:
        b, a = answer(q, False), answer(q, True)
        named[q] = (any(n in b for n in names), any(n in a for n in names))
        print(f"{q:<58} | {'NAME' if named[q][0] else '-':<4} | {'NAME' if named[q][1] else '-'}\n"
              f"    base:  {b[:110]!r}\n    tuned: {a[:110]!r}")
    kept = 0
    for q, facts in GENERAL:
        b, a = answer(q, False), answer(q, True)
        ok_b, ok_a = any(f in b for f in facts), any(f in a for f in facts)
        kept += ok_a or not ok_b
        print(f"{q:<58} | {'ok' if ok_b else 'x':<4} | {'ok' if ok_a else 'x'}\n"
              f"    base:  {b[:110]!r}\n    tuned: {a[:110]!r}")
    ids = held_out_ids(chat.tokenizer)
    eos = [chat.tokenizer.eos_token_id]
    with chat._adapter_scope(BASE):
        ppl_base = perplexity(TorchRunner(chat.model, eos, chat.tokenizer.pad_token_id), ids)
    with chat._adapter_scope("tuned"):
        ppl_tuned = perplexity(TorchRunner(chat.model, eos, chat.tokenizer.pad_token_id), ids)
    print(f"\nname in tuned answers: {sum(t for _, t in named.values())}/{len(named)} "
          f"(base: {sum(b for b, _ in named.values())}/{len(named)}); "
          f"general facts kept: {kept}/{len(GENERAL)}")
    print(f"held-out perplexity ({len(ids)} tokens of the project's own English text, never trained on): "
          f"base {ppl_base:.2f} -> tuned {ppl_tuned:.2f} ({(ppl_tuned / ppl_base - 1) * 100:+.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
