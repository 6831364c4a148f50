"""Resolve `--dataset` specs (files, built-in names, hub ids, each with `#N`) into located rows."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from swift_cli.engine.data.readers import SUFFIXES, Row, read_file
from swift_cli.engine.hub_data import registry_rows
from swift_cli.errors import FetchError, UsageError

SELF_COGNITION_NAMES = {"self-cognition", "swift/self-cognition", "self_cognition", "modelscope/self-cognition"}
PREFERENCE_NAMES = {"tiny-preferences", "tiny_preferences", "yichui/tiny-preferences"}
BUILTIN_NAMES = sorted(SELF_COGNITION_NAMES | PREFERENCE_NAMES)

DEFAULT_NAMES = ("小锤", "Yichui")
DEFAULT_AUTHORS = ("一锤定音", "yichui")


@dataclass(frozen=True)
class DatasetSpec:
    """One `--dataset` value: what, and how many rows (`#N`)."""

    source: str
    count: int | None

    @classmethod
    def parse(cls, text: str) -> "DatasetSpec":
        source, sep, count = text.rpartition("#") if "#" in text else (text, "", "")
        if not sep:
            return cls(text, None)
        if not count.isdigit() or int(count) <= 0:
            raise UsageError(f"--dataset {text}: the part after # must be a positive row count")
        return cls(source, int(count))


def _pair(values: list[str], default: tuple[str, str]) -> tuple[str, str]:
    """ms-swift passes names as `zh en`; one value serves both languages."""
    if not values:
        return default
    return (values[0], values[1] if len(values) > 1 else values[0])


def self_cognition_rows(model_name: list[str], model_author: list[str]) -> list[Row]:
    """The built-in self-cognition set with {name}/{author} filled per language."""
    from swift_cli.resources import resource_path

    names, authors = _pair(model_name, DEFAULT_NAMES), _pair(model_author, DEFAULT_AUTHORS)
    rows = []
    path = resource_path("self_cognition.jsonl")
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        item = json.loads(line)
        idx = 0 if item.get("tag") == "zh" else 1
        fill = {"name": names[idx], "author": authors[idx]}
        rows.append(Row(f"self-cognition#{i}", {"query": item["query"].format(**fill),
                                                 "response": item["response"].format(**fill)}))
    return rows


def _hub_rows(source: str, use_hf: bool) -> list[Row]:
    """Download a hub dataset (ModelScope by default) and read its data files."""
    hub = "Hugging Face" if use_hf else "ModelScope"
    try:
        if use_hf:
            from huggingface_hub import snapshot_download

            local = snapshot_download(repo_id=source, repo_type="dataset")
        else:
            from modelscope.hub.snapshot_download import snapshot_download

            local = snapshot_download(source, repo_type="dataset")
    except Exception as exc:  # noqa: BLE001 - any hub failure is reported as one line
        raise FetchError(f"--dataset {source}: not a local file or built-in name, and {hub} could not provide "
                         f"it ({type(exc).__name__}); built-ins: {', '.join(BUILTIN_NAMES)}") from None
    files = sorted(p for p in Path(local).rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    rows: list[Row] = []
    for f in files:
        rows += read_file(f)[0]
    return rows


def load_rows(spec_text: str, *, model_name: list[str], model_author: list[str], seed: int,
              use_hf: bool = False, problems: list[str] | None = None) -> list[Row]:
    """Rows for one `--dataset` value, sampled (or repeated, as ms-swift does) to `#N`."""
    spec = DatasetSpec.parse(spec_text)
    path = Path(spec.source).expanduser()
    if spec.source.lower() in SELF_COGNITION_NAMES:
        rows = self_cognition_rows(model_name, model_author)
    elif spec.source.lower() in PREFERENCE_NAMES:
        from swift_cli.resources import resource_path

        rows, _ = read_file(resource_path("tiny_preferences.jsonl"))
    elif path.exists():
        if path.is_dir():
            raise UsageError(f"--dataset {spec.source}: is a directory; name a file")
        rows, bad = read_file(path)
        if problems is not None:
            problems.extend(bad)
        elif bad:
            raise UsageError(bad[0] + (f" (and {len(bad) - 1} more bad lines)" if len(bad) > 1 else ""))
    elif path.suffix.lower() in SUFFIXES or spec.source.startswith((".", "/", "~")):
        raise UsageError(f"--dataset {spec.source}: no such file")
    elif (hub_rows := registry_rows(spec.source, use_hf)) is not None:  # `swift list datasets` names
        rows = hub_rows
    elif "/" not in spec.source:
        raise UsageError(f"--dataset {spec.source}: no such file or built-in dataset; built-ins: "
                         f"{', '.join(BUILTIN_NAMES)}")
    else:
        rows = _hub_rows(spec.source, use_hf)
    if not rows:
        raise UsageError(f"--dataset {spec_text}: no rows")
    return sample(rows, spec.count, seed)


def sample(rows: list[Row], count: int | None, seed: int) -> list[Row]:
    """Take `count` rows at random; when `count` exceeds the rows, repeat them (ms-swift's rule)."""
    if count is None:
        return rows
    rng = random.Random(seed)
    if count <= len(rows):
        return rng.sample(rows, count)
    repeats, rest = divmod(count, len(rows))
    return rows * repeats + rng.sample(rows, rest)
