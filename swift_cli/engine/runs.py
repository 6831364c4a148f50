"""Run folders as ms-swift lays them out: output_dir/vN-<timestamp>/ with args.json, logging.jsonl,
tensorboard events under runs/, loss.png and checkpoint-N/ folders."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from swift_cli.errors import UsageError

_VERSION = re.compile(r"^v(\d+)-")


def default_output_dir(model: str) -> Path:
    """output/<model name> as ms-swift does."""
    return Path("output") / Path(model.rstrip("/")).name


def output_root(cfg) -> Path:
    """The parent of a training command's run folders: --output_dir, else output/<model>."""
    return Path(cfg.train.output_dir) if cfg.train.output_dir else default_output_dir(cfg.model.model)


def check_writable(output_dir: Path) -> None:
    """Fail early (before any work) when output_dir cannot be created or written."""
    probe = output_dir
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"--output_dir {output_dir}: {probe} is a file")
    import os

    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"--output_dir {output_dir}: {probe} is not writable")


def new_run_dir(output_dir: Path, add_version: bool = True) -> Path:
    """Create the next vN-<timestamp> folder (or output_dir itself when add_version is false)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    if not add_version:
        return output_dir
    versions = [int(m.group(1)) for p in output_dir.iterdir() if (m := _VERSION.match(p.name))]
    run = output_dir / f"v{max(versions, default=-1) + 1}-{time.strftime('%Y%m%d-%H%M%S')}"
    run.mkdir()
    return run


def write_args(run_dir: Path, args: dict[str, Any]) -> Path:
    """args.json (secrets already redacted by the caller's flat_dict)."""
    path = run_dir / "args.json"
    path.write_text(json.dumps(args, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def read_log(run_dir: Path) -> list[dict]:
    """Records of logging.jsonl."""
    path = run_dir / "logging.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def plot_curves(run_dir: Path) -> list[Path]:
    """loss.png (train and eval loss by step), plus rewards.png when reward metrics were logged."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = read_log(run_dir)
    written = []
    # GRPO logs rewards/<function>/mean and their sum as `reward`; DPO logs chosen/rejected rewards
    per_function = sorted({k for r in records for k in r if k.startswith("rewards/") and k.endswith("/mean")})
    groups = {"loss.png": ("loss", "eval_loss"),
              "rewards.png": ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
                              "reward", *per_function)}
    for filename, keys in groups.items():
        series = {k: [(r["step"], r[k]) for r in records if k in r and "step" in r] for k in keys}
        series = {k: v for k, v in series.items() if v}
        if not series:
            continue
        fig, ax = plt.subplots(figsize=(7, 4))
        for key, points in series.items():
            ax.plot(*zip(*points), label=key, marker="." if len(points) < 30 else None)
        ax.set_xlabel("step")
        ax.set_title(f"{run_dir.name}: {filename[:-4]}")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(run_dir / filename, dpi=100)
        plt.close(fig)
        written.append(run_dir / filename)
    return written


def last_checkpoint(run_dir: Path, complete: bool = False) -> Path | None:
    """The checkpoint-N folder with the highest N (with `complete`, only those the Trainer finished writing:
    trainer_state.json is saved last)."""
    ckpts = [p for p in run_dir.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()
             and (not complete or (p / "trainer_state.json").is_file())]
    return max(ckpts, key=lambda p: int(p.name.split("-")[-1]), default=None)
