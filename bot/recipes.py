"""Recipes shared in a channel: `.recipe save <name> <job>` keeps the words of a job's request (model-method,
dataset, key=value), `.recipe use <name> [key=value ...]` runs them again (through the same checks)."""
from __future__ import annotations

import json
from pathlib import Path

from bot.safety import Refused, check_name


class RecipeBook:
    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, channel: str, name: str) -> Path:
        check_name("recipe", name)
        safe_channel = "".join(c if c.isalnum() or c in "-_" else "_" for c in channel or "default")
        return self.root / safe_channel / f"{name}.json"

    def save(self, channel: str, name: str, recipe: dict, author: str) -> Path:
        path = self._path(channel, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({**recipe, "author": author}, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    def load(self, channel: str, name: str) -> dict:
        path = self._path(channel, name)
        if not path.is_file():
            raise Refused(f"no recipe {name!r} in this channel; see .recipes")
        return json.loads(path.read_text(encoding="utf-8"))

    def words(self, channel: str, name: str, extra: list[str]) -> list[str]:
        """The `.finetune` words the recipe stands for, with `extra` key=value pairs after (they win)."""
        r = self.load(channel, name)
        return [r["model"], r["dataset"], *(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
                                            for k, v in r.get("set", {}).items()), *extra]

    def list(self, channel: str) -> list[str]:
        folder = self._path(channel, "x").parent
        out = []
        for p in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            r = json.loads(p.read_text(encoding="utf-8"))
            sets = " ".join(f"{k}={v}" for k, v in r.get("set", {}).items())
            out.append(f"{p.stem}: {r['model']} {r['dataset']} {sets} (by {r.get('author')})".rstrip())
        return out
