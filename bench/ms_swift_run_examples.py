"""Beyond parsing: run every sft / pt / rlhf / infer / export line of ms-swift's examples/ on this machine, with
`--model` pointed at the tiny model (the tiny VL model for VL lines), `--dataset` at a small local file of the
kind the line trains on, and `--max_steps 2`; print how many ran to the end, how many validation refused in one
line (and why), and how many failed otherwise.

    python bench/ms_swift_run_examples.py EXAMPLES_DIR [--commands sft,rlhf] [--limit N] [--timeout 600]
        [--jsonl FILE [--resume]]     # --resume: count the lines FILE records, run the rest

Everything else on the line is kept as ms-swift's user typed it. Paths the line names that only an earlier run
would have made (`output/vx-xxx/checkpoint-xxx` as --adapters / --ckpt_dir / --resume_from_checkpoint) point at a
tiny LoRA adapter made first; a teacher / reference / reward model at the tiny model. Lines of a multi-node or
multi-GPU launch keep their flags (the refusal says why they cannot run here). Outcomes:
  ran      exit 0
  refused  exit 2/3/4/5 with one `error:` line and no traceback (validation, before anything heavy)
  failed   anything else (the last stderr line is listed)
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ms_swift_examples import commands_in  # noqa: E402

RUN = ("sft", "pt", "rlhf", "infer", "export")
VL = re.compile(r"(?i)(vl\b|-vl|omni|llava|ovis|minicpm-?v|glm-4v|internvl|qvq|keye|paligemma|kimi-vl|mimo-vl|"
                r"coco|latex-ocr|llava|mm-|vision|-v-|ocr|video|audio)")
PATH_FLAGS = ("--adapters", "--adapter", "--ckpt_dir", "--resume_from_checkpoint")
MODEL_FLAGS = ("--ref_model", "--teacher_model", "--reward_model")
REPLACED = ("--model", "--dataset", "--val_dataset", "--output_dir", "--max_steps", "--cached_dataset",
            "--cached_val_dataset", *PATH_FLAGS, *MODEL_FLAGS)


def groups(argv: list[str]) -> list[tuple[str | None, list[str]]]:
    """[(flag, values)] with a leading (None, positionals) group."""
    out: list[tuple[str | None, list[str]]] = [(None, [])]
    for tok in argv:
        if tok.startswith("--"):
            flag, _, value = tok.partition("=")
            out.append((flag.replace("-", "_").replace("__", "--", 1), [value] if value else []))
        else:
            out[-1][1].append(tok)
    return out


def rlhf_kind(argv: list[str]) -> str:
    for flag, values in groups(argv):
        if flag == "--rlhf_type" and values:
            return values[0]
    return "dpo"


def rewrite(command: str, argv: list[str], assets: dict, out_dir: Path) -> list[str]:
    """The line with the model, data, output and step count replaced (everything else as typed)."""
    vl = bool(VL.search(" ".join(argv)))
    kind = {"sft": "sft", "pt": "pt", "infer": "sft", "export": "sft"}.get(command) or rlhf_kind(argv)
    data_key = ("vl" if vl else "") + {"dpo": "pref", "orpo": "pref", "simpo": "pref", "cpo": "pref", "rm": "pref",
                                       "kto": "kto", "grpo": "prompts", "gkd": "prompts", "ppo": "prompts",
                                       "pt": "pt"}.get(kind, "sft")
    data = assets.get(data_key) or assets["vl" if vl else "sft"]
    model = assets["tiny_vl" if vl else "tiny"]
    new: list[str] = []
    for flag, values in groups(argv):
        if flag is None:
            new += values  # a positional YAML config stays
        elif flag in PATH_FLAGS and values:
            new += [flag, assets["adapter_vl" if vl else "adapter"]]
        elif flag in MODEL_FLAGS and values:
            new += [flag, model]
        elif flag not in REPLACED:
            new += [flag, *values]
    if command in ("sft", "pt", "rlhf"):
        new += ["--model", model, "--dataset", data, "--max_steps", "2", "--output_dir", str(out_dir)]
    elif command == "infer":
        new += ["--model", model, "--val_dataset", data, "--result_path", str(out_dir / "result.jsonl")]
    else:
        new += ["--model", model, "--output_dir", str(out_dir / "export")]
        if "--dataset" in argv:  # calibration data of a quantization
            new += ["--dataset", data]
    if command == "infer" and "--max_new_tokens" not in new:
        new += ["--max_new_tokens", "8"]
    return new


def outcome(proc: subprocess.CompletedProcess) -> tuple[str, str]:
    err = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    last = err[-1] if err else ""
    if proc.returncode == 0:
        return "ran", ""
    if proc.returncode in (2, 3, 4, 5) and last.startswith("error:") and "Traceback" not in proc.stderr:
        return "refused", last[len("error:"):].strip()
    return "failed", f"exit {proc.returncode}: {last[:160]}"


def make_assets(work: Path, swift) -> dict:
    """Tiny models, a tiny LoRA adapter for each, and one small file per data kind."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.vl.shapes import write_dataset

    assets = {"tiny": str(work / "tiny"), "tiny_vl": str(work / "tiny-vl")}
    for arch, key in (("qwen2", "tiny"), ("qwen2_vl", "tiny_vl")):
        if not Path(assets[key], "config.json").is_file():
            swift("tiny-model", "--arch", arch, "--out", assets[key])
    qa = [("who are you?", "I am yichui-bench.", "I am a cat."), ("what is 2+3?", "5", "7"),
          ("name a colour", "blue", "seven")] * 6
    rows = {
        "sft": [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]} for q, a, _ in qa],
        "pt": [{"text": f"{q} {a}"} for q, a, _ in qa],
        "pref": [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}],
                  "rejected_response": r} for q, a, r in qa],
        "kto": [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a if i % 2 else r}],
                 "label": bool(i % 2)} for i, (q, a, r) in enumerate(qa)],
        "prompts": [{"messages": [{"role": "user", "content": q}], "solution": a} for q, a, _ in qa],
    }
    for name, data in rows.items():
        path = work / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in data))
        assets[name] = str(path)
    assets["vl"] = str(write_dataset(work / "vl", 16, seed=0, name="vl.jsonl"))
    for key, model, data in (("adapter", "tiny", "sft"), ("adapter_vl", "tiny_vl", "vl")):
        out = work / key
        if not list(out.glob("v*/checkpoint-2")):
            swift("sft", "--model", assets[model], "--dataset", assets[data], "--max_steps", "2", "--save_steps", "2",
                  "--report_to", "none", "--output_dir", out)
        assets[key] = str(next(out.glob("v*/checkpoint-2")))
    return assets


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("examples", type=Path)
    ap.add_argument("--commands", default=",".join(RUN))
    ap.add_argument("--limit", type=int, default=0, help="at most N lines per command (0: all)")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ms_swift_run_examples")
    ap.add_argument("--jsonl", type=Path, help="one record per line run (command, script, argv, outcome, why)")
    ap.add_argument("--resume", action="store_true", help="count the lines --jsonl already records, run the rest")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(args.work / "runs", ignore_errors=True)  # each line's output folder starts empty (models are kept)

    def swift(*argv, timeout=args.timeout):
        return subprocess.run([sys.executable, "-m", "swift_cli", *map(str, argv)], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, cwd=args.examples.resolve().parent,
                              env={**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9",
                                   "MODELSCOPE_ENDPOINT": "http://127.0.0.1:9", "PYTHONPATH": str(REPO)})

    assets = make_assets(args.work, swift)
    wanted = args.commands.split(",")
    counts = collections.defaultdict(collections.Counter)
    reasons, failures = collections.Counter(), collections.Counter()
    done = [json.loads(x) for x in args.jsonl.read_text().splitlines()] if args.resume and args.jsonl and \
        args.jsonl.is_file() else []
    log = args.jsonl.open("a" if done else "w") if args.jsonl else None
    for n, (script, command, argv) in enumerate(lines(args.examples, wanted, args.limit)):
        if n < len(done) and done[n]["script"] == script and done[n]["argv"] == argv:
            kind, why = done[n]["outcome"], done[n]["why"]
            counts[command][kind] += 1
            (reasons if kind == "refused" else failures)[why] += kind != "ran"
            continue
        out = args.work / "runs" / f"{n:04d}"
        start = time.time()
        try:
            kind, why = outcome(swift(command, *rewrite(command, argv, assets, out)))
        except subprocess.TimeoutExpired:
            kind, why = "failed", f"timed out after {args.timeout} s"
        counts[command][kind] += 1
        (reasons if kind == "refused" else failures)[why] += kind != "ran"
        print(f"[{n:>3}] {command:<7}{kind:<8}{time.time() - start:6.1f}s  {script}  {why[:110]}", flush=True)
        if log:
            log.write(json.dumps({"script": script, "command": command, "argv": argv, "outcome": kind,
                                  "why": why}) + "\n")
            log.flush()
    report(counts, reasons, failures)
    return 0


REPO = Path(__file__).resolve().parents[1]


def lines(examples: Path, wanted: list[str], limit: int):
    seen = collections.Counter()
    for script in sorted(examples.rglob("*.sh")):
        for command, argv in commands_in(script.read_text(encoding="utf-8", errors="replace")):
            if command in wanted and (not limit or seen[command] < limit):
                seen[command] += 1
                yield str(script.relative_to(examples)), command, argv


def report(counts, reasons, failures) -> None:
    print(f"\n{'command':<9}{'ran':>6}{'refused':>9}{'failed':>8}{'lines':>7}")
    for command, c in sorted(counts.items()):
        print(f"{command:<9}{c['ran']:>6}{c['refused']:>9}{c['failed']:>8}{sum(c.values()):>7}")
    total = collections.Counter()
    for c in counts.values():
        total.update(c)
    print(f"{'all':<9}{total['ran']:>6}{total['refused']:>9}{total['failed']:>8}{sum(total.values()):>7}")
    print("refusal reasons (numbers shown as N):")
    grouped = collections.Counter()
    for why, k in reasons.items():
        grouped[re.sub(r"\d+(\.\d+)?", "N", why)[:90]] += k
    for why, k in grouped.most_common():
        print(f"  {k:>4}  {why}")
    if failures:
        print("failures:")
        for why, k in failures.most_common():
            print(f"  {k:>4}  {why}")


if __name__ == "__main__":
    sys.exit(main())
