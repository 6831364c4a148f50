"""The built-in recipes (recipes/*.yaml in the source tree, swift_cli/recipes/ in an installed wheel — setup.py
copies them there) and `--config NAME`: a path, or the name of a built-in recipe (with or without .yaml)."""
from __future__ import annotations

from pathlib import Path

_INSTALLED = Path(__file__).resolve().parents[1] / "recipes"      # swift_cli/recipes in a wheel install
_SOURCE = Path(__file__).resolve().parents[2] / "recipes"         # the repository's recipes/ (editable)


def builtin_dir() -> Path:
    return _INSTALLED if _INSTALLED.is_dir() else _SOURCE


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def builtin(name: str) -> Path:
    """The path of a built-in recipe by name (FileNotFoundError naming the ones there are)."""
    path = builtin_dir() / f"{name.removesuffix('.yaml')}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no built-in recipe {name!r}; built in: {', '.join(builtin_names())}")
    return path


def resolve(value: str) -> Path:
    """`--config VALUE`: an existing file as given, else a built-in recipe of that name, else the path as given
    (the YAML loader then reports the missing file)."""
    path = Path(value)
    if path.is_file():
        return path
    if path.parent == Path(".") or path.parent.name == "recipes":
        candidate = builtin_dir() / f"{path.name.removesuffix('.yaml')}.yaml"
        if candidate.is_file():
            return candidate
    return path
