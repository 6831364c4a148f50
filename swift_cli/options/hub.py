"""Options of `swift download`. The hub flags shared with training (--model, --use_hf, --revision,
--hub_token) are taken from ModelArgs' declarations, so each is still declared once."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from swift_cli.options.declare import opt
from swift_cli.options.groups import ModelArgs


def _same_as(group: type, name: str):
    """A field with the default, help, aliases and secrecy of `group.name`."""
    src = next(f for f in dataclasses.fields(group) if f.name == name)
    return dataclasses.field(default=src.default, metadata=src.metadata)


@dataclass(frozen=True)
class DownloadArgs:
    """What to fetch, from which hub, into where."""

    model: str | None = _same_as(ModelArgs, "model")
    dataset: str | None = opt(None, "Dataset repo id (or a `swift list datasets` name) to download instead of a model",
                              zh="数据集")
    use_hf: bool = _same_as(ModelArgs, "use_hf")
    revision: str | None = _same_as(ModelArgs, "revision")
    hub_token: str | None = _same_as(ModelArgs, "hub_token")
    include: list[str] = opt([], "Only files matching these globs (e.g. '*.json' '*.safetensors')",
                             aliases=("allow_patterns", "include_patterns"))
    exclude: list[str] = opt([], "Skip files matching these globs (e.g. '*.bin' 'original/*')",
                             aliases=("ignore_patterns", "exclude_patterns"))
    local_dir: str | None = opt(None, "Write the files here instead of the hub cache")
    verify: bool = opt(True, "Check every file's size and sha256 / git hash against the hub's listing")
    json: bool = opt(False, "Print one JSON object (path, files, bytes, verified) instead of text")
