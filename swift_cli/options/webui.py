"""Options of `swift web-ui` and `swift app` (ms-swift's names), declared once."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from swift_cli.options.declare import opt
from swift_cli.options.groups import ModelArgs


@dataclass(frozen=True)
class WebUIArgs:
    """Where the browser console listens, in which language, and what it accepts."""

    server_name: str = opt("127.0.0.1", "Address to bind; any non-loopback address requires the access token "
                           "printed at start", aliases=("host",))
    server_port: int = opt(7860, "Port to listen on (0 picks a free port)", aliases=("port",), zh="端口")
    lang: str = opt("zh", "Page language (switchable on every page)", choices=("zh", "en"), zh="语言")
    share: bool = opt(False, "ms-swift's public gradio link; refused here: no tunnels (bind --server_name and put "
                      "your own reverse proxy in front)")
    upload_limit_mb: float = opt(20.0, "Largest dataset upload in MiB (stored in the job's uploads/ folder)")


def _same_as(group: type, name: str):
    """A field with the default, help and aliases of `group.name` (declared once)."""
    src = next(f for f in dataclasses.fields(group) if f.name == name)
    return dataclasses.field(default=src.default, metadata=src.metadata)


@dataclass(frozen=True)
class AppModelArgs:
    """The one model the chat page serves (`swift app`): base model and optional LoRA checkpoint."""

    model: str | None = _same_as(ModelArgs, "model")
    adapters: str | None = opt(None, "LoRA checkpoint to chat with (its base is read from adapter_config.json "
                               "unless --model is given)", aliases=("adapter", "ckpt_dir"))
