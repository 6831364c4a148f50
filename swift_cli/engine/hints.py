"""Failure hints: turn a failed run into one line of what happened plus the concrete next command.

Classes and exit codes are in swift_cli/errors.py. `guard(cfg, task)` wraps a training command's effects:
an out-of-memory error, a failed save, a tokenizer without a chat template or a dataset whose rows are all
too long comes out as the matching SwiftError whose message ends with `next: swift ...` (the same command
with the flags that change, derived from the planner) and the last checkpoint when there is one.
"""
from __future__ import annotations

import contextlib
import errno
import math
import re
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from swift_cli.errors import (Diverged, NoChatTemplate, OutOfMemory, PortInUse, RowsTooLong, SaveFailed, SwiftError,
                              UsageError)

GIB = 2**30
# Options a hint command never repeats: secrets, and flags that only make sense once.
_DROP = ("hub_token", "api_key", "dry_run", "resume_from_checkpoint")
_OOM_TEXT = re.compile(r"out of memory|can't allocate memory|DefaultCPUAllocator|Cannot allocate memory", re.I)
# How safetensors (Rust), tokenizers (Rust) and torch.save word an OS error they wrap.
_NO_SPACE_TEXT = re.compile(r"No space left|StorageFull|(code:|os error) (28|27|122)\b|File too large|Disk quota|"
                            r"file write failed", re.I)
_READ_ONLY_TEXT = re.compile(r"Read-only file system|Permission denied|PermissionDenied|(code:|os error) (13|30)\b",
                             re.I)


# ---- limits: --max_runtime and --max_memory ------------------------------------------------------------

def parse_duration(text: str, flag: str = "--max_runtime") -> float:
    """'90s', '30m', '2h', '1h30m', '1d' or plain seconds → seconds (UsageError naming the flag otherwise)."""
    s = str(text).strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", s):
        seconds = float(s)
    else:
        parts = re.findall(r"(\d+(?:\.\d+)?)([dhms])", s)
        if not parts or "".join(a + b for a, b in parts) != s:
            raise UsageError(f"{flag} {text}: use a duration such as 90s, 30m, 2h, 1h30m or plain seconds")
        seconds = sum(float(n) * {"d": 86400, "h": 3600, "m": 60, "s": 1}[u] for n, u in parts)
    if seconds <= 0:
        raise UsageError(f"{flag} {text}: must be positive")
    return seconds


_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9, "t": 10**12,
          "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_size(text: str, flag: str = "--max_memory") -> int:
    """'20GiB', '16GB', '800MiB', '24g' (a bare g/m/k is decimal, like GB) or plain bytes → bytes."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]*)", str(text).strip().lower())
    if not m or m.group(2) not in _UNITS:
        raise UsageError(f"{flag} {text}: use a size such as 20GiB, 16GB or 800MiB")
    value = int(float(m.group(1)) * _UNITS[m.group(2)])
    if value <= 0:
        raise UsageError(f"{flag} {text}: must be positive")
    return value


def check_max_memory(cfg, task: str, command: str) -> None:
    """--max_memory: refuse (OutOfMemory, exit 5) a run whose estimated peak per device is above the limit, before
    anything loads; the hint is the planner's choice of flags with the limit as the free memory."""
    from swift_cli.engine.planning import make_plan

    limit = parse_size(cfg.train.max_memory)
    try:
        plan = make_plan(cfg, task, None, free=False)
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


# ---- commands ------------------------------------------------------------------------------------------

def same_command(cfg, command: str, overrides: dict[str, Any] | None = None) -> str:
    """`swift COMMAND` with the user's explicit options, `overrides` replacing or adding flags."""
    from swift_cli.engine.planning import explicit_values

    chosen = {k: v for k, v in explicit_values(cfg).items() if k not in _DROP}
    for k, v in (overrides or {}).items():
        if v is None:
            chosen.pop(k, None)
        else:
            chosen[k] = v
    parts = ["swift", command]
    for key, value in chosen.items():
        values = value if isinstance(value, list) else [value]
        parts += [f"--{key}", *[str(v).lower() if isinstance(v, bool) else str(v) for v in values]]
    return shlex.join(parts)


def _replace(cfg, values: dict[str, Any]):
    from swift_cli.options.declare import replace

    return replace(cfg, **values)


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
    from swift_cli.options.declare import build_config

    defaults = build_config(type(cfg), {})
    freed = _replace(cfg, {k: getattr(defaults.train if hasattr(defaults.train, k) else defaults.tuner, k)
                           for k in MEMORY_FLAGS})
    spec = model_spec(cfg)
    profile = _profile(cfg, free_bytes)
    w = wishes(freed, task, free=True)
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


# ---- the boundary --------------------------------------------------------------------------------------

def classify(exc: BaseException) -> str | None:
    """'oom', 'disk_full', 'read_only' or None."""
    name = type(exc).__name__
    text = str(exc)
    if isinstance(exc, MemoryError) or name == "OutOfMemoryError" or (
            isinstance(exc, RuntimeError) and _OOM_TEXT.search(text)):
        return "oom"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "disk_full"
    if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "read_only"
    if not isinstance(exc, (SwiftError, KeyboardInterrupt)):  # wrapped OS errors
        if _NO_SPACE_TEXT.search(text):
            return "disk_full"
        if _READ_ONLY_TEXT.search(text):
            return "read_only"
    return None


def _newest_run(cfg, since: float) -> Path | None:
    from swift_cli.engine.pipeline import output_root

    if cfg.train.resume_from_checkpoint:
        return Path(cfg.train.resume_from_checkpoint).resolve().parent
    root = output_root(cfg)
    if not root.is_dir():
        return None
    runs = [p for p in [root, *root.iterdir()] if p.is_dir() and (p / "args.json").is_file()
            and p.stat().st_mtime >= since - 1]
    return max(runs, key=lambda p: p.stat().st_mtime, default=None)


def last_complete_checkpoint(cfg, since: float) -> Path | None:
    """The newest checkpoint of this run that was written completely."""
    from swift_cli.engine.runs import last_checkpoint

    run = _newest_run(cfg, since)
    return last_checkpoint(run, complete=True) if run else None


def last_checkpoint_note(cfg, since: float) -> str:
    ckpt = last_complete_checkpoint(cfg, since)
    return f"; last checkpoint: {ckpt}" if ckpt else ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]


def oom_error(cfg, task: str, command: str, exc: BaseException | None, device: str, since: float) -> OutOfMemory:
    over = frugal_overrides(cfg, device)
    estimate = ""
    with contextlib.suppress(Exception):  # an estimate we cannot make must not hide the hint
        from swift_cli.engine.planning import make_plan

        est = make_plan(_replace(cfg, over), task, free=False)
        estimate = f" (estimated peak {est.peak_bytes / GIB:.1f} GiB)"
    what = f"{type(exc).__name__}: {_first_line(exc)}" if exc else "out of memory"
    asked = re.search(r"tried to allocate (\d+) bytes|tried to allocate ([\d.]+ [KMGT]i?B)", str(exc or ""))
    if asked:  # the allocator's own words are long; the size is what matters
        size = f"{int(asked.group(1)) / 2**20:.1f} MiB" if asked.group(1) else asked.group(2)
        what = f"{type(exc).__name__}: could not allocate {size}"
    return OutOfMemory(f"out of memory on {device} ({what}); next: {same_command(cfg, command, over)}{estimate}"
                       f"{last_checkpoint_note(cfg, since)}")


def save_error(kind: str, cfg, command: str, exc: BaseException, since: float) -> SaveFailed:
    import shutil

    from swift_cli.engine.pipeline import output_root

    root = output_root(cfg)
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free / GIB if probe.exists() else float("nan")
    what = "disk full (or file size limit)" if kind == "disk_full" else "output folder not writable"
    ckpt = last_complete_checkpoint(cfg, since)
    resume = {"resume_from_checkpoint": str(ckpt)} if ckpt else {}
    fix = "free space there" if kind == "disk_full" else "make it writable"
    return SaveFailed(f"saving failed: {what} ({_first_line(exc)}; {free:.1f} GiB free under {probe}); {fix} or "
                      f"pass another --output_dir, then: {same_command(cfg, command, resume)}")


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
    from swift_cli.engine.data.build import collect
    from swift_cli.engine.data.encode import encode_messages

    m, d = cfg.model, cfg.data
    tok = models.load_tokenizer(models.resolve_model_dir(m.model, use_hf=m.use_hf, revision=m.revision,
                                                         token=m.hub_token), m.template)
    items, _ = collect(d.dataset, "sft", model_name=d.model_name, model_author=d.model_author, seed=cfg.train.seed,
                       system=m.system, use_hf=m.use_hf)
    return [len(encode_messages(tok, i.messages).input_ids) for i in items if i.messages]


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


@contextlib.contextmanager
def guard(cfg, task: str, command: str):
    """Wrap a training command's effects: known failure classes leave as one-line SwiftErrors with a hint."""
    since = time.time()
    try:
        yield
    except (NoChatTemplate,) as exc:
        raise no_template_error(cfg, command, exc) from None
    except RowsTooLong as exc:
        raise rows_too_long_error(cfg, command, exc) from None
    except SwiftError:
        raise
    except Exception as exc:  # noqa: BLE001 - classified below; anything unknown is re-raised as it was
        kind = classify(exc)
        if kind is None:
            raise
        _free_memory()
        if kind == "oom":
            from swift_cli.engine.models import pick_device

            raise oom_error(cfg, task, command, exc, pick_device(cfg.train.use_cpu), since) from exc
        raise save_error(kind, cfg, command, exc, since) from exc


def _free_memory() -> None:
    """After an OOM the failed step's tensors may still be referenced by the traceback; drop what we can."""
    import gc

    sys.last_traceback = None
    gc.collect()


def nonfinite_callback():
    """A TrainerCallback that stops training and saves the state when the logged loss (or grad norm) is NaN/inf;
    `.step`, `.value` tell what happened (None while all is well)."""
    from transformers import TrainerCallback

    class StopOnNonFinite(TrainerCallback):
        step: int | None = None
        value: float | None = None
        key: str = "loss"

        def on_log(self, args, state, control, logs=None, **kwargs):
            for key in ("loss", "grad_norm"):
                v = (logs or {}).get(key)
                if isinstance(v, (int, float)) and not math.isfinite(v) and self.step is None:
                    self.step, self.value, self.key = state.global_step, v, key.replace("_", " ")
                    control.should_save = True
                    control.should_training_stop = True
            return control

    return StopOnNonFinite()
