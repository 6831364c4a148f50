"""The console adapter (scripts, CI): one message per line from stdin as `--user`, every reply and every edit of
a progress message printed to stdout with the seconds since start; at end of input it waits for the jobs it
started and prints their final messages. A restarted console follows the user's console jobs still running (or
ended while it was down) again: their progress is re-posted and each final message is printed once."""
from __future__ import annotations

import sys
import time
from typing import TextIO

from bot.service import BotService, Ctx, Out


class ConsolePrinter:
    def __init__(self, stdout: TextIO, start: float):
        self.stdout, self.start = stdout, start
        self.messages: dict[str, int] = {}

    def say(self, who: str, text: str) -> None:
        stamp = f"[{time.monotonic() - self.start:7.1f}s]"
        for i, line in enumerate(text.splitlines() or [""]):
            print(f"{stamp} {who}: {line}" if i == 0 else f"{' ' * len(stamp)}   {line}", file=self.stdout, flush=True)

    def emit(self, out: Out) -> None:
        if out.key is None:
            return self.say("bot", out.text)
        if out.key not in self.messages:
            self.messages[out.key] = len(self.messages) + 1
            return self.say(f"bot [progress #{self.messages[out.key]}]", out.text)
        self.say(f"bot [progress #{self.messages[out.key]} edited]", out.text)


def run(service: BotService, user: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
        poll_s: float = 0.5) -> int:
    printer = ConsolePrinter(stdout, time.monotonic())
    ctx = Ctx(user=user, channel="console", platform="console")
    for job_id in service.reattach("console", user):       # a restarted console: its jobs still being followed
        printer.say("bot", f"following job {job_id} again (started before this restart)")
    for line in stdin:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        printer.say(user, line)
        for out in service.handle(ctx, line) + service.poll():
            printer.emit(out)
    while service.active():
        time.sleep(poll_s)
        for out in service.poll():
            printer.emit(out)
    return 0
