"""Next-command advice: the same `swift ...` line with the flags that change (one renderer), derived from the
planner: --max_memory refusals, the memory ladder after an OOM, a lower learning rate after a divergence, a
--max_length that keeps the rows, a chat template, a free port."""
from __future__ import annotations

import contextlib
import math
import sys
from pathlib import Path
from typing import Any

from swift_cli.errors import Diverged, NoChatTemplate, OutOfMemory, PortInUse, RowsTooLong, UsageError
from swift_cli.options.render import render
from swift_cli.units import parse_size

GIB = 2**30


def same_command(cfg, command: str, overrides: dict[str, Any] | None = None) -> str:
    """`swift COMMAND` with what the user set, `overrides` replacing or adding flags (None removes one); secrets
    and options that act once (--dry_run) are never repeated."""
    return render(cfg, command, overrides)


def check_max_memory(cfg, task: str, command: str, plan=None) -> None:
    """--max_memory: refuse (OutOfMemory, exit 5) a run whose estimated peak per device (`plan`, the run's one
    plan; made here when not given) is above the limit, before anything loads; the hint is the planner's choice
    of flags with the limit as the free memory."""
    from swift_cli.engine.planning import make_plan

    limit = parse_size(cfg.train.max_memory)
    try:
        plan = plan or make_plan(cfg, task, None, free=False)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - no estimate: say so, do not block
        print(f"warning: --max_memory {cfg.train.max_memory}: no memory estimate ({type(exc).__name__})",
              file=sys.stderr)
        return
    if plan.peak_bytes <= limit:
        return
    head = (f"the estimated peak {plan.peak_bytes / GIB:.2f} GiB per device is above --max_memory "
            f"{cfg.train.max_memory} ({limit / GIB:.2f} GiB)")
    alt = plan_within(cfg, task, limit)
    over = _plan_overrides(alt, cfg)
    if alt.fits and over:
        raise OutOfMemory(f"{head}; next: {same_command(cfg, command, over)} (estimated peak "
                          f"{alt.peak_bytes / GIB:.2f} GiB)")
    smaller = {**over, "max_length": max(64, cfg.data.max_length // 2)}
    raise OutOfMemory(f"{head}; nothing fits at --max_length {cfg.data.max_length}; next: "
                      f"{same_command(cfg, command, smaller)}")


def _profile(cfg, free_bytes: int | None = None):
    """This machine (or --hardware), optionally with `free_bytes` as each device's free memory."""
    import copy

    from swift_cli.engine.planning import load_profile

    profile = copy.deepcopy(load_profile(cfg.train.hardware))
    if free_bytes is not None:
        for d in profile.devices:
            d.free_bytes = min(d.free_bytes, free_bytes) if d.free_bytes else free_bytes
        profile.ram_free_bytes = free_bytes if not profile.devices else profile.ram_free_bytes
    return profile


MEMORY_FLAGS = ("train_type", "per_device_train_batch_size", "gradient_accumulation_steps", "gradient_checkpointing",
                "deepspeed", "quant_bits", "quant_method")


def plan_within(cfg, task: str, free_bytes: int):
    """The planner's choice of memory flags when each device has `free_bytes`, keeping everything else the user
    chose (max_length included). QLoRA is only offered where training can use it (CUDA)."""
    from hardware.plan import make_plan
    from swift_cli.engine.planning import model_spec, wishes

    spec = model_spec(cfg)
    profile = _profile(cfg, free_bytes)
    w = {k: v for k, v in wishes(cfg, task, free=True).items() if k not in MEMORY_FLAGS}
    w["max_length"] = cfg.data.max_length
    return make_plan(spec, profile, w)


def _plan_overrides(plan, cfg) -> dict[str, Any]:
    keys = ("train_type", "per_device_train_batch_size", "gradient_accumulation_steps", "gradient_checkpointing",
            "deepspeed", "quant_bits")
    flags = dict(plan.flags)
    if plan.train_type == "qlora":
        flags["train_type"] = "qlora"
        flags.pop("quant_bits", None)
    return {k: flags[k] for k in keys if k in flags and flags[k] != _current(cfg, k)}


def _current(cfg, key: str):
    for group in (cfg.train, cfg.tuner):
        if hasattr(group, key):
            return getattr(group, key)
    return None


def frugal_overrides(cfg, device: str) -> dict[str, Any]:
    """One step down the memory ladder from what ran out: full → LoRA → QLoRA (CUDA), checkpointing on, batch 1
    with accumulation keeping the global batch; when all that is already so, half the max_length."""
    t, tuner = cfg.train, cfg.tuner
    out: dict[str, Any] = {}
    if tuner.train_type == "full":
        out["train_type"] = "lora"
    elif tuner.train_type in ("lora", "dora") and device == "cuda" and not tuner.quant_bits:
        out["train_type"] = "qlora"
    if not t.gradient_checkpointing:
        out["gradient_checkpointing"] = True
    if t.per_device_train_batch_size > 1:
        out["per_device_train_batch_size"] = 1
        out["gradient_accumulation_steps"] = t.per_device_train_batch_size * t.gradient_accumulation_steps
    if not out:
        out["max_length"] = max(64, cfg.data.max_length // 2)
    return out


def rows_too_long_error(cfg, command: str, exc: RowsTooLong) -> RowsTooLong:
    """Suggest a --max_length that keeps 95% of the rows (rounded up to 64), from the real token counts."""
    lengths = []
    with contextlib.suppress(Exception):
        lengths = row_lengths(cfg)
    if not lengths:
        return exc
    lengths.sort()
    keep = lengths[min(len(lengths) - 1, int(math.ceil(0.95 * len(lengths))) - 1)]
    suggest = int(math.ceil(keep / 64) * 64)
    return RowsTooLong(f"{exc}; rows are {lengths[0]}–{lengths[-1]} tokens; next: "
                       f"{same_command(cfg, command, {'max_length': suggest})}")


def row_lengths(cfg) -> list[int]:
    """Token count of every training row (only on the error path: reads and tokenizes the data again)."""
    from swift_cli.engine import models
    from swift_cli.engine.data.build import collect, encode_item

    m, d = cfg.model, cfg.data
    tok = models.load_tokenizer(models.resolve_model_dir(m.model, use_hf=m.use_hf, revision=m.revision,
                                                         token=m.hub_token), m.template)
    items, _ = collect(d.dataset, "sft", model_name=d.model_name, model_author=d.model_author, seed=cfg.train.seed,
                       system=m.system, use_hf=m.use_hf)
    return [len(encode_item(i, tok, agent_template=d.agent_template).input_ids) for i in items if i.messages]


def no_template_error(cfg, command: str, exc: NoChatTemplate) -> NoChatTemplate:
    return NoChatTemplate(f"{exc}; next: {same_command(cfg, command, {'template': 'chatml'})}")


def port_in_use(host: str, port: int, cfg=None) -> PortInUse:
    """One line naming the busy port (and its owner when visible) and the same command on a free port."""
    import socket

    owner = ""
    with contextlib.suppress(Exception):
        import psutil

        for c in psutil.net_connections(kind="tcp"):
            if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN and c.pid:
                owner = f" by {psutil.Process(c.pid).name()} (pid {c.pid})"
                break
    free = 0
    with contextlib.suppress(OSError), socket.socket() as s:
        s.bind((host if ":" not in host else "127.0.0.1", 0))
        free = s.getsockname()[1]
    nxt = same_command(cfg, "deploy", {"port": free}) if cfg is not None else f"the same command with --port {free}"
    return PortInUse(f"--port {port} is already in use on {host}{owner}; next: {nxt}")


def diverged_error(cfg, command: str, step: int, value: float, saved: Path | None, what: str = "loss") -> Diverged:
    from swift_cli.engine.train import learning_rate

    lr = learning_rate(cfg)
    default = 1e-5 if cfg.tuner.train_type == "full" else 1e-4
    # A rate far above ms-swift's default goes back to the default; a usual one is divided by ten.
    over = {"learning_rate": f"{default if lr > 10 * default else lr / 10:g}"}
    if not cfg.train.max_grad_norm or cfg.train.max_grad_norm <= 0:
        over["max_grad_norm"] = 1.0
    kept = f"; state at that step saved in {saved} (for inspection, not for resuming)" if saved else ""
    return Diverged(f"the {what} became {value} at step {step} (learning rate {lr:g}); next: "
                    f"{same_command(cfg, command, over)}{kept}")
