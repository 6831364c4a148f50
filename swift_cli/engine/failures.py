"""Failure classification: turn a failed run into one line of what happened plus the concrete next command.

Classes and exit codes are in swift_cli/errors.py. `guard(cfg, task, command)` wraps a training command's effects:
an out-of-memory error, a failed save, a tokenizer without a chat template or a dataset whose rows are all too long
comes out as the matching SwiftError whose message ends with `next: swift ...` (engine.advice) and the last
checkpoint when there is one.
"""
from __future__ import annotations

import contextlib
import errno
import re
import sys
import time
from pathlib import Path

from swift_cli.engine.advice import frugal_overrides, no_template_error, rows_too_long_error, same_command
from swift_cli.errors import NoChatTemplate, OutOfMemory, RowsTooLong, SaveFailed, SwiftError

GIB = 2**30
_OOM_TEXT = re.compile(r"out of memory|can't allocate memory|DefaultCPUAllocator|Cannot allocate memory", re.I)
# How safetensors (Rust), tokenizers (Rust) and torch.save word an OS error they wrap.
_NO_SPACE_TEXT = re.compile(r"No space left|StorageFull|(code:|os error) (28|27|122)\b|File too large|Disk quota|"
                            r"file write failed", re.I)
_READ_ONLY_TEXT = re.compile(r"Read-only file system|Permission denied|PermissionDenied|(code:|os error) (13|30)\b",
                             re.I)


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
    from swift_cli.engine.runs import output_root

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
        from swift_cli.options.declare import replace

        est = make_plan(replace(cfg, **over), task, free=False)
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

    from swift_cli.engine.runs import output_root

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
