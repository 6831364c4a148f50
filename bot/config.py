"""bot.yaml: the sandbox (per user and per channel), the backend, the artifact store. Built-in defaults need no
file (the console adapter): local backend, local store, one job per user.

    backend: local                 # or cloud (SkyPilot, in its own environment: sky_bin)
    admins: [alice]
    progress_interval_s: 5         # at most one edit of a progress message per interval
    store: {kind: local, ttl_s: 3600}        # or {kind: s3, endpoint: ..., bucket: ..., region: ...}
    limits:                         # defaults for everyone
      max_concurrent: 1
      max_runtime_s: 86400
      gpu_hours_per_day: 8
      idle_minutes: 30
      models: ["*"]                 # or [tiny, qwen-7b]
      datasets: ["*"]
      methods: [lora, qlora, dora, full, dpo]
      machines: ["*"]               # cloud accelerators allowed (A10G, L4, A100, ...)
    channels: {ops: {max_concurrent: 3}}
    users: {bob: {gpu_hours_per_day: 2}}
Tokens are never in this file: DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET come from the environment."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.safety import Refused


@dataclass(frozen=True)
class Limits:
    max_concurrent: int = 1
    max_runtime_s: float = 24 * 3600
    gpu_hours_per_day: float = 8.0
    idle_minutes: float = 30.0
    models: tuple[str, ...] = ("*",)
    datasets: tuple[str, ...] = ("*",)
    methods: tuple[str, ...] = ("lora", "qlora", "dora", "full", "dpo", "orpo", "kto", "simpo", "cpo")
    machines: tuple[str, ...] = ("*",)
    max_memory_gb: float = 0.0      # a local job's address space (setrlimit; 0: no limit)
    max_file_gb: float = 0.0        # the largest file a local job may write (0: no limit)

    def os_limits(self) -> dict[str, int]:
        """The OS limits of a local job (jobs/wrap.py names)."""
        return {name: int(gb * 2**30) for name, gb in (("memory", self.max_memory_gb), ("file", self.max_file_gb))
                if gb > 0}

    def allows(self, what: str, value: str) -> bool:
        allowed = getattr(self, what)
        return "*" in allowed or value.lower() in {a.lower() for a in allowed}


@dataclass(frozen=True)
class BotConfig:
    backend: str = "local"
    admins: tuple[str, ...] = ()
    progress_interval_s: float = 5.0
    store: dict = field(default_factory=lambda: {"kind": "local", "ttl_s": 3600})
    limits: Limits = Limits()
    channels: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    sky_bin: str = "sky"
    sample_prompts: tuple[str, ...] = ("who are you?",)

    def limits_for(self, user: str, channel: str | None = None) -> Limits:
        """Defaults, then the channel's, then the user's (the most specific wins)."""
        out = self.limits
        for layer in (self.channels.get(channel or "", {}), self.users.get(user, {})):
            out = _merge(out, layer, f"limits of {user!r}")
        return out


def _merge(limits: Limits, changes: dict, where: str) -> Limits:
    names = {f.name for f in dataclasses.fields(Limits)}
    unknown = set(changes) - names
    if unknown:
        raise Refused(f"bot.yaml: {where}: unknown key {sorted(unknown)[0]!r}; known: {', '.join(sorted(names))}")
    fixed = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
    return dataclasses.replace(limits, **fixed)


def load(path: str | Path | None) -> BotConfig:
    """The config from bot.yaml (unknown keys refused with their name), or the built-in defaults."""
    if path is None:
        return BotConfig()
    import yaml

    file = Path(path)
    if not file.is_file():
        raise Refused(f"--config: no such file: {path}")
    data: dict[str, Any] = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    known = {f.name for f in dataclasses.fields(BotConfig)}
    unknown = set(data) - known
    if unknown:
        raise Refused(f"{path}: unknown key {sorted(unknown)[0]!r}; known: {', '.join(sorted(known))}")
    values = dict(data)
    values["limits"] = _merge(Limits(), data.get("limits", {}), "limits")
    for key in ("admins", "sample_prompts"):
        if key in values:
            values[key] = tuple(values[key])
    every = (values.get("store") or {}).get("progress_every_s", 30)
    if isinstance(every, bool) or not isinstance(every, (int, float)) or every <= 0:
        raise Refused(f"{path}: store.progress_every_s must be a number of seconds > 0 (got {every!r})")
    for layer in ("channels", "users"):
        for name, changes in (values.get(layer) or {}).items():
            _merge(values["limits"], changes, f"{layer}.{name}")   # checked now, merged per request
    return BotConfig(**values)
