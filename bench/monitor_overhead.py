"""Overhead of the live resource monitor: training tokens/s with and without it, in one run.

The same process loads the tiny model's tokenizer and the data once, then trains REPEATS × 2 times, alternating
monitor off / on (and swapping which goes first each repeat, so drift on a shared machine hits both alike).
Each training run is `swift sft`'s own path (train.build_sft_trainer + train.run: LoRA, trl SFTTrainer, fresh
model weights every time) for STEPS optimizer steps; tokens/s = non-pad tokens / train_runtime (the Trainer's time
inside train(), no loading). "on" is the product default: the 1 Hz sampler thread plus its status line and
logging.jsonl fields; "on@20Hz" samples twenty times as often, to show the cost is per sample.

    .venv/bin/python bench/monitor_overhead.py [--repeats 4] [--steps 60]

Prints one row per run and the medians; overhead = 1 - median(on) / median(off).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=4)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args()

    from swift_cli.commands.sft import SftConfig
    from swift_cli.engine import pipeline, train
    from swift_cli.engine.data.build import prepare
    from swift_cli.engine.monitor import Monitor
    from swift_cli.engine.tiny_model import build_tiny_model
    from swift_cli.options.parse import parse_command

    work = Path(tempfile.mkdtemp(prefix="monitor_bench_"))
    model = build_tiny_model(work / "tiny")
    argv = ["--model", str(model), "--dataset", "self-cognition#2000", "--max_steps", str(args.steps),
            "--per_device_train_batch_size", str(args.batch), "--logging_steps", "5", "--save_steps", "100000",
            "--report_to", "none", "--learning_rate", "1e-3", "--gradient_checkpointing", "false"]
    _, cfg = parse_command(SftConfig, argv, positionals_allowed=False)
    loaded = pipeline.load_base(cfg)
    data = prepare(cfg.data, loaded.tokenizer, task="sft", seed=42, system=None, use_hf=False)

    def once(mode: str, k: int) -> float:
        run_dir = work / f"run-{mode}-{k}"
        run_dir.mkdir()
        trainer = train.build_sft_trainer(cfg, loaded, data, run_dir)
        mon = None if mode == "off" else Monitor(device=loaded.device, interval=0.05 if mode == "on@20Hz" else 1.0)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            train.run(trainer, run_dir, None, "bench", monitor=mon)
        final = [json.loads(x) for x in (run_dir / "logging.jsonl").read_text().splitlines()][-1]
        samples = mon.samples if mon else 0
        tps = final["tokens_seen"] / final["train_runtime"]
        print(f"{mode:>8} #{k}  {tps:9.1f} tok/s  {final['train_runtime']:6.2f} s  samples {samples}", flush=True)
        return tps

    print(f"tiny model, {args.steps} steps × batch {args.batch}, {loaded.device}, torch threads "
          f"{__import__('torch').get_num_threads()}, load average {os.getloadavg()[0]:.2f}")
    results: dict[str, list[float]] = {"off": [], "on": [], "on@20Hz": []}
    once("off", -1)  # warm-up (first-run allocations, lazy kernels); not counted
    for k in range(args.repeats):
        order = ["off", "on", "on@20Hz"] if k % 2 == 0 else ["on@20Hz", "on", "off"]
        for mode in order:
            results[mode].append(once(mode, k))
    med = {m: statistics.median(v) for m, v in results.items()}
    print(f"median tok/s: off {med['off']:.1f}, on {med['on']:.1f}, on@20Hz {med['on@20Hz']:.1f}")
    print(f"monitor overhead (1 Hz, the default): {100 * (1 - med['on'] / med['off']):+.2f}%  "
          f"(20 Hz: {100 * (1 - med['on@20Hz'] / med['off']):+.2f}%); spread of 'off' runs: "
          f"{100 * (max(results['off']) - min(results['off'])) / med['off']:.1f}%")
    print(f"load average at the end {os.getloadavg()[0]:.2f}; finished {time.strftime('%H:%M:%S')}")


if __name__ == "__main__":
    main()
