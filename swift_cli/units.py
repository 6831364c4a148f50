"""Sizes and durations as users type them (--max_memory 20GiB, --max_runtime 1h30m). Pure."""
from __future__ import annotations

import re

from swift_cli.errors import UsageError


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
