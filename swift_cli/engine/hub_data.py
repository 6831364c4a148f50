"""`--dataset alpaca-zh#500`: a registry name becomes its hub id, the files are fetched (verified) and each
row's columns are mapped onto our formats."""
from __future__ import annotations

from pathlib import Path

from swift_cli.errors import FetchError

_HELD_OUT = ("test", "valid", "eval", "dev")


def registry_rows(name: str, use_hf: bool):
    """Rows of the registry dataset `name` (None when `name` is not in the registry)."""
    from swift_cli.engine.data.readers import SUFFIXES, Row, read_file
    from swift_cli.engine.hub import Request, download
    from swift_cli.registry.datasets import find_dataset, map_row

    entry = find_dataset(name)
    if entry is None:
        return None
    repo_id = entry.hub_id(use_hf)
    include = list(entry.files) or [f"*{s}" for s in SUFFIXES]
    try:
        local = download(Request(repo_id, repo_type="dataset", use_hf=use_hf, include=include)).path
    except FetchError as exc:
        raise FetchError(f"--dataset {name} (= {repo_id}): {exc}") from None
    files = sorted(p for p in Path(local).rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                   and (entry.files or not any(tag in p.name.lower() for tag in _HELD_OUT)))
    rows = []
    for f in files:
        rows += [Row(r.where, map_row(entry, r.data) if isinstance(r.data, dict) else r.data) for r in read_file(f)[0]]
    return rows
