"""Multi-process training the ms-swift way: `NPROC_PER_NODE=N swift sft ...` relaunches the same command under
torchrun (`python -m torch.distributed.run`), honouring NNODES, NODE_RANK, MASTER_ADDR and MASTER_PORT.

The launcher process imports no torch. Workers join one process group (nccl on CUDA, gloo on CPU) before
any run folder exists, so rank 0 alone creates the folder and tells the others its name; only rank 0
writes args.json, logs, plots and the closing message. torchrun's agent stops every worker when one
fails; the launcher then prints one line with the failing rank, its exit code and where the per-rank
logs are (`<output_dir>/torchrun-logs/<time>/`: rank 0 is also teed to the console).
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from swift_cli.errors import SwiftError, UsageError

WORKER_ENV = "LOCAL_RANK"            # set by torchrun in every worker


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < (0 if name == "NODE_RANK" else 1):
        raise UsageError(f"{name}={value}: must be a {'non-negative' if name == 'NODE_RANK' else 'positive'} integer")
    return int(value)


def wanted() -> tuple[int, int] | None:
    """(nproc_per_node, nnodes) when the environment asks for more than one process and we are not a worker."""
    if WORKER_ENV in os.environ:
        return None
    nproc, nnodes = _int_env("NPROC_PER_NODE", 1), _int_env("NNODES", 1)
    return (nproc, nnodes) if nproc * nnodes > 1 else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun_command(subcommand: str, argv: list[str], nproc: int, nnodes: int, log_dir: Path) -> list[str]:
    """`python -m torch.distributed.run ... -m swift_cli <subcommand> argv` with ms-swift's environment variables."""
    node_rank = _int_env("NODE_RANK", 0)
    if nnodes > 1 and not os.environ.get("MASTER_ADDR"):
        raise UsageError("NNODES > 1 needs MASTER_ADDR (the address of the node with NODE_RANK=0)")
    addr = os.environ.get("MASTER_ADDR", "127.0.0.1")
    port = os.environ.get("MASTER_PORT") or str(29500 if nnodes > 1 else _free_port())
    quiet = ",".join(f"{r}:3" for r in range(1, nproc))   # ranks > 0 to their log files only
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}", f"--nnodes={nnodes}",
           f"--node_rank={node_rank}", f"--master_addr={addr}", f"--master_port={port}",
           f"--log_dir={log_dir}", "--tee=0:3"]
    if quiet:
        cmd.append(f"--redirects={quiet}")
    return cmd + ["-m", "swift_cli", subcommand, *argv]


def relaunch_if_requested(subcommand: str, argv: list[str], cfg: Any) -> int | None:
    """In the launcher: run the command under torchrun and return its exit code; None when not asked to."""
    want = wanted()
    if want is None or getattr(cfg.train, "dry_run", False):
        return None
    nproc, nnodes = want
    root = Path(cfg.train.output_dir) if cfg.train.output_dir else Path("output") / Path(
        (cfg.model.model or "adapters").rstrip("/")).name
    log_dir = root / "torchrun-logs" / time.strftime("%Y%m%d-%H%M%S")
    log_dir.mkdir(parents=True, exist_ok=True)
    cmd = torchrun_command(subcommand, argv, nproc, nnodes, log_dir)
    env = {**os.environ, "YICHUI_LAUNCHER": "torchrun", "PYTHONUNBUFFERED": "1"}
    print(f"launching {nproc * nnodes} processes ({nproc} per node, {nnodes} node(s)) under torchrun; "
          f"per-rank logs: {log_dir}", file=sys.stderr)
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True, bufsize=1)
    agent_lines = []
    assert proc.stderr is not None
    for line in proc.stderr:
        # Worker lines carry torchrun's "[default0]:" prefix: pass them on; keep the agent's own chatter.
        if re.match(r"\[(default|rank)\d+\]:", line):
            if not re.match(r"\[default\d+\]:error: ", line):   # a rank's error line returns in our summary
                sys.stderr.write(line)
        else:
            agent_lines.append(line)
    code = proc.wait()
    if code == 0:
        return 0
    if os.environ.get("YICHUI_DEBUG", "") not in ("", "0", "false"):
        sys.stderr.writelines(agent_lines)
    raise _failure(agent_lines, code, log_dir)


def _failure(agent_lines: list[str], code: int, log_dir: Path) -> SwiftError:
    """One error for a failed distributed run: the first failing rank's exit code and message."""
    text = "".join(agent_lines)
    ranks = re.findall(r"rank\s*:\s*(\d+)", text)
    codes = re.findall(r"exitcode\s*:\s*(-?\d+)", text)
    rank = ranks[0] if ranks else "?"
    child = int(codes[0]) if codes else code
    last = _last_error(log_dir, rank)
    how = f"was killed by signal {-child}" if child < 0 else f"exited with {child}"
    err = SwiftError(f"distributed run stopped: rank {rank} {how}"
                     + (f" ({last})" if last else "") + f"; all ranks were stopped; per-rank logs: {log_dir}")
    err.exit_code = child if child > 0 else 1
    return err


def _last_error(log_dir: Path, rank: str) -> str | None:
    """The `error: ...` line the failing rank printed (from torchrun's per-rank log files)."""
    for path in sorted(log_dir.rglob("stderr.log")):
        if rank != "?" and path.parent.name != rank:
            continue
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if "error: " in ln]
        if lines:
            return lines[-1].split("error: ", 1)[1].strip()
    return None


# --- inside a worker -------------------------------------------------------------------------------------

def rank() -> int:
    return int(os.environ.get("RANK", "0") or 0)


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


def is_rank0() -> bool:
    """True in a single process and in the global rank 0 of a distributed run."""
    return rank() == 0


def init_worker() -> None:
    """Join the process group early (before run folders), gloo on CPU; accelerate/Trainer reuse it."""
    if world_size() <= 1:
        return
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend=backend)


def from_rank0(make: Callable[[], Any]) -> Any:
    """Run `make` on rank 0 only and give every rank its result (e.g. the new run folder's path)."""
    try:
        import torch.distributed as dist
    except ImportError:
        return make()
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return make()
    box = [make() if dist.get_rank() == 0 else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def rank_heartbeat():
    """A Trainer callback that prints `rank R/W step S/T` every logging step on every rank (to its log file)."""
    from transformers import TrainerCallback

    class RankHeartbeat(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            step = state.global_step
            if step % max(args.logging_steps, 1) == 0 or step == state.max_steps:
                print(f"rank {rank()}/{world_size()} step {step}/{state.max_steps}", file=sys.stderr, flush=True)

    return RankHeartbeat()


def local_rank0_first(make: Callable[[], Any]) -> Any:
    """Run `make` on each node's local rank 0 first, then on the other ranks (a download hits the cache for them)."""
    try:
        import torch.distributed as dist
    except ImportError:
        return make()
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return make()
    first = os.environ.get("LOCAL_RANK", "0") == "0"
    if not first:
        dist.barrier()
    try:
        return make()
    finally:
        if first:
            dist.barrier()
