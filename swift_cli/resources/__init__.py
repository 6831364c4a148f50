"""Built-in data files shipped with the package (corpora, self-cognition and preference sets)."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    """Absolute path of a bundled resource file, e.g. ``resource_path("self_cognition.jsonl")``.

    Raises FileNotFoundError when no such resource exists.
    """
    path = (_HERE / name).resolve()
    if _HERE not in path.parents or not path.is_file():
        raise FileNotFoundError(f"no bundled resource named {name!r} in {_HERE}")
    return path
