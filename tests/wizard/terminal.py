"""Drive `swift wizard` in a real pseudo-terminal (pexpect): fixed window, no cursor-position requests."""
from __future__ import annotations

import os
import re
import sys
import time

import pexpect

from tests.conftest import REPO

DOWN, UP, ENTER, ESC, CTRL_C = "\x1b[B", "\x1b[A", "\r", "\x1b", "\x03"
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b[()][AB0-2]")
TIMEOUT = 240  # generous: the machine is shared


def spawn(*args: str, home, lang: str | None = "en", locale: str = "C.UTF-8", timeout: int = TIMEOUT) -> pexpect.spawn:
    """`swift wizard ARGS` in a 40×160 pty; lang=None leaves the language to the locale."""
    env = {**os.environ, "TERM": "xterm", "YICHUI_HOME": str(home), "PROMPT_TOOLKIT_NO_CPR": "1",
           "PYTHONUNBUFFERED": "1", "LANG": locale, "COLUMNS": "160", "LINES": "40"}
    for var in ("YICHUI_DEBUG", "LC_ALL", "LC_MESSAGES"):
        env.pop(var, None)
    flags = ["--lang", lang] if lang else []
    child = pexpect.spawn(sys.executable, ["-m", "swift_cli", "wizard", *flags, *map(str, args)], cwd=str(REPO),
                          env=env, encoding="utf-8", dimensions=(40, 160), timeout=timeout)
    child.transcript = []
    child.logfile_read = _Tee(child.transcript)
    return child


class _Tee:
    def __init__(self, sink: list):
        self.sink = sink

    def write(self, data: str) -> None:
        self.sink.append(data)

    def flush(self) -> None:
        pass


def answer(child: pexpect.spawn, prompt: str, keys: str) -> None:
    """Wait for a question, then press keys (a short pause lets prompt_toolkit take the screen first)."""
    child.expect(prompt)
    time.sleep(0.4)
    child.send(keys)


def finish(child: pexpect.spawn, timeout: int = TIMEOUT) -> tuple[int, str]:
    """Wait for exit; (exit status, transcript without ANSI escapes)."""
    child.expect(pexpect.EOF, timeout=timeout)
    child.close()
    code = child.exitstatus if child.exitstatus is not None else 128 + (child.signalstatus or 0)
    return code, screen(child)


def screen(child: pexpect.spawn) -> str:
    return ANSI.sub("", "".join(child.transcript))
