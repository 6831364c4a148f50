"""A model's (or a finished job's adapter's) answer to one prompt: `swift infer --query` run as an argv."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from jobs.store import JobStore
from jobs.table import Job


def best_checkpoint(store: JobStore, job: Job) -> Path | None:
    """The last complete checkpoint of the job's newest run folder that has one."""
    from swift_cli.engine.runs import last_checkpoint

    for rd in reversed(store.run_dirs(job)):
        if ckpt := last_checkpoint(rd, complete=True):
            return ckpt
    return None


def infer_argv(target: list[str], prompt: str, max_new_tokens: int = 30) -> list[str]:
    """`infer ... --query=PROMPT`: one token, so a prompt that starts with '--' stays the prompt, never a flag."""
    return ["infer", *target, f"--max_new_tokens={max_new_tokens}", f"--query={prompt}"]


def answer(target: list[str], prompt: str, python: str | None = None, max_new_tokens: int = 30,
           timeout: float = 300) -> str:
    """`swift infer <target> --query PROMPT`: target is ['--adapters', ckpt] or ['--model', path]. The prompt is
    one argv element (never a shell word); returns the answer text, or a one-line failure."""
    cmd = [python or sys.executable, "-m", "swift_cli", *infer_argv(target, prompt, max_new_tokens)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if proc.returncode != 0:
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
        return errors[-1] if errors else f"(infer failed with exit code {proc.returncode})"
    return proc.stdout.strip()
