"""Overhead of the live resource monitor: training tokens/s with and without it, in one run.

The same process loads the tiny model's tokenizer and the data once, then trains in PAIRS: monitor off and on
back to back (which goes first alternates), each with fresh model weights, through `swift sft`'s own path
(train.build_sft_trainer + train.run: LoRA, trl SFTTrainer) for STEPS optimizer steps. "on" is the product
default: the 1 Hz sampler thread, the status line under the bar and the logging.jsonl fields.

Two figures per run: tokens per wall second (non-pad tokens / the Trainer's train_runtime) and tokens per CPU
second (the process's CPU time over the same train() call, all threads, the sampler's included). On a shared
machine the wall figure swings with other jobs; the CPU figure shows what the monitor itself costs. Each pair
gives a ratio on/off; the medians of the per-pair ratios are the overhead.

    .venv/bin/python bench/monitor_overhead.py [--pairs 8] [--steps 80] [--threads 1]
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
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: least sensitive to other jobs)")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from swift_cli.commands.sft import SftConfig
    from swift_cli.engine import pipeline, train
    from swift_cli.engine.data.build import prepare
    from swift_cli.engine.monitor import Monitor
    from swift_cli.engine.tiny_model import build_tiny_model
    from swift_cli.options.parse import parse_command

    work = Path(tempfile.mkdtemp(prefix="monitor_bench_"))
    model = build_tiny_model(work / "tiny")
    argv = ["--model", str(model), "--dataset", "self-cognition#1000", "--max_steps", str(args.steps),
            "--per_device_train_batch_size", str(args.batch), "--logging_steps", "5", "--save_steps", "100000",
            "--report_to", "none", "--learning_rate", "1e-3", "--gradient_checkpointing", "false"]
    _, cfg = parse_command(SftConfig, argv, positionals_allowed=False)
    loaded = pipeline.load_base(cfg)
    data = prepare(cfg.data, loaded.tokenizer, task="sft", seed=42, system=None, use_hf=False)

    def once(mode: str, k: int) -> tuple[float, float]:
        run_dir = work / f"run-{mode}-{k}"
        run_dir.mkdir()
        trainer = train.build_sft_trainer(cfg, loaded, data, run_dir)
        mon = Monitor(device=loaded.device) if mode == "on" else None
        cpu0 = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            train.run(trainer, run_dir, None, "bench", monitor=mon)
        cpu = time.process_time() - cpu0
        final = [json.loads(x) for x in (run_dir / "logging.jsonl").read_text().splitlines()][-1]
        wall_tps, cpu_tps = final["tokens_seen"] / final["train_runtime"], final["tokens_seen"] / cpu
        print(f"{mode:>4} #{k}  {wall_tps:8.1f} tok/s  {cpu_tps:8.1f} tok/CPU-s  {final['train_runtime']:6.2f} s"
              f"  samples {mon.samples if mon else 0}", flush=True)
        return wall_tps, cpu_tps

    print(f"tiny model, {args.steps} steps x batch {args.batch}, {loaded.device}, torch threads {args.threads}, "
          f"{args.pairs} pairs, load average {os.getloadavg()[0]:.2f}")
    once("off", -1)  # warm-up (first-run allocations, lazy kernels); not counted
    wall, cpu, off_wall, on_wall = [], [], [], []
    for k in range(args.pairs):
        order = ("off", "on") if k % 2 == 0 else ("on", "off")
        got = {mode: once(mode, k) for mode in order}
        wall.append(got["on"][0] / got["off"][0])
        cpu.append(got["on"][1] / got["off"][1])
        off_wall.append(got["off"][0])
        on_wall.append(got["on"][0])
    print(f"median tok/s: off {statistics.median(off_wall):.1f}, on {statistics.median(on_wall):.1f}")
    print(f"monitor overhead, median of per-pair ratios: wall {100 * (1 - statistics.median(wall)):+.2f}%, "
          f"CPU time {100 * (1 - statistics.median(cpu)):+.2f}%  (positive = slower with the monitor)")
    print(f"per-pair wall ratios on/off: {' '.join(f'{r:.3f}' for r in wall)}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
