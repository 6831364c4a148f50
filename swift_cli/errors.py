"""User-facing error types and the one handler that turns them into one line and an exit code.

Exit codes (documented in the README): 0 ok; 2 bad input/usage; 3 missing hardware/library for a
requested feature; 4 model or dataset could not be fetched; 130 interrupted by the user.
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
