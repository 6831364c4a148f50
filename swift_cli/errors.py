"""User-facing error types and the one handler that turns them into one line and an exit code.

Exit codes (documented in the README): 0 ok; 2 bad input/usage; 3 missing hardware/library for a
requested feature; 4 model or dataset could not be fetched; 130 interrupted by the user.
Failure classes (the cockpit; each message is one line: what happened + the next command to run):
  5  out of memory: CUDA OOM, a CPU allocation failure (MemoryError), or a plan whose estimated
     peak is above --max_memory (refused before anything is loaded)
  6  the training loss became NaN/inf (stopped; the state at that step is saved for inspection)
  7  the tokenizer has no chat template (and no --template was given)
  8  every row is longer than --max_length
  9  the port asked of swift deploy is already in use
  10 disk full, or the output folder became read-only, while saving
  11 stopped at --max_runtime with a checkpoint saved (resume with the printed command)
  12 an exported/quantized artifact failed its verification (kept, marked UNVERIFIED.txt)
  (137 is not ours: the OS killed the process, usually its out-of-memory killer.)
Set YICHUI_DEBUG=1 to get tracebacks.
"""
from __future__ import annotations

import os
import re
import sys

DEBUG_ENV = "YICHUI_DEBUG"


class SwiftError(Exception):
    """An error a user can cause or fix; printed as one line."""

    exit_code = 1


class UsageError(SwiftError):
    """Bad flag, file, value or dataset row. The message names the flag/file/line."""

    exit_code = 2


class RequirementError(SwiftError):
    """The requested feature needs hardware or a library this machine lacks."""

    exit_code = 3


class FetchError(SwiftError):
    """A model or dataset could not be downloaded (offline, unknown id)."""

    exit_code = 4


class OutOfMemory(SwiftError):
    """The run needed more device or host memory than there is (or than --max_memory allows)."""

    exit_code = 5


class Diverged(SwiftError):
    """The training loss became NaN or infinite."""

    exit_code = 6


class NoChatTemplate(UsageError):
    """The tokenizer has no chat template and none was named with --template."""

    exit_code = 7


class RowsTooLong(UsageError):
    """Every dataset row is longer than --max_length."""

    exit_code = 8


class PortInUse(UsageError):
    """swift deploy's --port is taken by another process."""

    exit_code = 9


class SaveFailed(SwiftError):
    """Writing a checkpoint or output failed: disk full, quota, or a read-only folder."""

    exit_code = 10


class RuntimeLimit(SwiftError):
    """--max_runtime was reached; a checkpoint was saved."""

    exit_code = 11


class VerificationFailed(SwiftError):
    """swift export/quantize: the reloaded artifact does not match its source (left marked unverified)."""

    exit_code = 12


class Interrupted(SwiftError):
    """The user pressed Ctrl-C; what could be saved was saved."""

    exit_code = 130


_SECRET_PATTERNS = [
    re.compile(r"(hf_[A-Za-z0-9]{8,})"),
    re.compile(r"((?:api[_-]?key|token|authorization)[\"']?\s*[:=]\s*[\"']?(?:Bearer\s+)?)([^\s\"',]+)", re.I),
]


def redact(text: str) -> str:
    """Remove things that look like tokens or keys, and the values of known secret env vars."""
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "MODELSCOPE_API_TOKEN", "YICHUI_API_KEY"):
        value = os.environ.get(var)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    text = _SECRET_PATTERNS[0].sub("***", text)
    return _SECRET_PATTERNS[1].sub(lambda m: m.group(1) + "***", text)


def report(exc: BaseException) -> int:
    """Print one line for `exc` on stderr and return the exit code (traceback only in debug mode)."""
    debug = os.environ.get(DEBUG_ENV, "") not in ("", "0", "false")
    if debug:
        import traceback

        traceback.print_exception(exc)
    if isinstance(exc, KeyboardInterrupt):
        print("error: interrupted", file=sys.stderr)
        return 130
    if isinstance(exc, SwiftError):
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    hint = "" if debug else f" (set {DEBUG_ENV}=1 for the traceback)"
    print(f"error: {type(exc).__name__}: {redact(first)}{hint}", file=sys.stderr)
    return 1
