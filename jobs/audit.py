"""The audit log: one JSON line per request, decision and result, secrets redacted (never a token)."""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

# Environment variables whose values must never reach a log, whatever the platform.
SECRET_ENV = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "HF_TOKEN",
              "MODELSCOPE_API_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "YICHUI_ARTIFACT_KEY")


def scrub(text: str) -> str:
    """Text with secret env values and token-looking strings replaced by ***."""
    from swift_cli.errors import redact

    for var in SECRET_ENV:
        value = os.environ.get(var)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return redact(text)


class AuditLog:
    """Append-only JSON lines at `path` (thread-safe within a process; one write per line across processes)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def write(self, kind: str, **fields: Any) -> dict:
        record = {"ts": round(time.time(), 3), "kind": kind, **fields}
        line = scrub(json.dumps(record, ensure_ascii=False, default=str))
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return json.loads(line)

    def read(self) -> list[dict]:
        if not self.path.is_file():
            return []
        return [json.loads(x) for x in self.path.read_text(encoding="utf-8").splitlines() if x.strip()]
