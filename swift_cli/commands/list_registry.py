"""`swift list models|datasets`: the curated registries as a rich table or JSON."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from swift_cli.commands._common import fail_on, parse
from swift_cli.options.declare import opt

SUMMARY = "List the curated models (hub ids, size, architecture, context, license) or datasets (ids, task, format)."
WHAT = ("models", "datasets")


@dataclass(frozen=True)
class ListArgs:
    """What to show."""

    json: bool = opt(False, "Print a JSON array instead of a table")
    kind: str | None = opt(None, "Models only: chat, base, reasoning or vision; datasets: sft, preference, kto or pt")
    search: str | None = opt(None, "Only rows whose key or ids contain this text")


@dataclass(frozen=True)
class ListConfig:
    list: ListArgs


def _rows(what: str, args: ListArgs) -> list[dict]:
    if what == "models":
        from swift_cli.registry.models import MODELS

        items = [{k: v for k, v in dataclasses.asdict(m).items() if k != "shape"} for m in MODELS]
        kind_key = "kind"
    else:
        from swift_cli.registry.datasets import DATASETS

        items = [{**dataclasses.asdict(d), "files": list(d.files)} for d in DATASETS]
        kind_key = "task"
    if args.kind:
        items = [i for i in items if i[kind_key] == args.kind]
    if args.search:
        low = args.search.lower()
        items = [i for i in items if any(low in str(i[k] or "").lower() for k in ("key", "ms_id", "hf_id"))]
    return items


def _table(what: str, items: list[dict]):
    from rich.table import Table

    table = Table(title=f"{len(items)} {what} (ModelScope by default; --use_hf true for Hugging Face)")
    if what == "models":
        cols = (("key", "key"), ("ModelScope", "ms_id"), ("Hugging Face", "hf_id"), ("params (B)", "params_b"),
                ("arch", "arch"), ("context", "context"), ("kind", "kind"), ("license", "license"))
    else:
        cols = (("key", "key"), ("ModelScope", "ms_id"), ("Hugging Face", "hf_id"), ("task", "task"),
                ("rows", "rows"), ("columns → ours", "columns"), ("license", "license"))
    for title, _ in cols:
        table.add_column(title, overflow="fold", justify="right" if title in ("params (B)", "context") else "left")
    for item in items:
        cells = []
        for _, key in cols:
            value = item[key]
            if key == "columns":
                value = ", ".join(f"{a}→{b}" for a, b in value.items()) if value else item.get("note") or "as is"
            cells.append("-" if value is None else str(value))
        table.add_row(*cells)
    return table


def main(argv: list[str], prog: str = "swift list") -> int:
    pos, cfg = parse(ListConfig, argv, prog, SUMMARY, positionals=1, usage_tail=" models|datasets")
    what = pos[0] if pos else None
    fail_on([] if what in WHAT else [f"say what to list: {prog} models or {prog} datasets (got {what or 'nothing'})"])
    items = _rows(what, cfg.list)
    if cfg.list.json:
        print(json.dumps(items, ensure_ascii=False))
        return 0
    import sys

    from rich.console import Console

    # Piped output (grep, less) gets whole rows instead of rich's 80-column folding.
    Console(width=None if sys.stdout.isatty() else 220).print(_table(what, items))
    return 0
