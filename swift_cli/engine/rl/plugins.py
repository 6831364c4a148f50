"""User reward functions from `--external_plugins` files, resolved with the built-ins by `--reward_funcs` name.

A plugin is a Python file defining functions `name(completions, **row) -> list[float]`: `completions` are the
sampled texts and every other dataset column arrives as a keyword (a list, one value per completion), plus
`prompts` and `completion_ids`. A module-level dict `orms = {"name": fn_or_class}` may name them instead (a class is
instantiated without arguments). Any failure (no such file, import error, missing name, an exception or a wrong
result inside) is one line naming the file and function.
"""
from __future__ import annotations

import importlib.util
import inspect
import math
from pathlib import Path

from swift_cli.engine.rl import rewards
from swift_cli.engine.rl.ms_plugin_names import ms_swift_names
from swift_cli.errors import UsageError
from swift_cli.options.rl import BUILTIN_REWARDS

# trl hands reward functions these callbacks; user functions get plain data only.
_TRAINER_ONLY = ("log_extra", "log_metric", "environments")


class PluginError(UsageError):
    """A reward plugin that cannot be loaded or that failed; one line naming the file and function."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def load_module(path: str):
    """Import one plugin file; its import errors become one line."""
    file = Path(path)
    if not file.is_file():
        raise PluginError(f"--external_plugins {path}: no such file")
    spec = importlib.util.spec_from_file_location(f"yichui_plugin_{file.stem}", file)
    module = importlib.util.module_from_spec(spec)
    try:
        with ms_swift_names():  # a plugin written for ms-swift imports swift.rewards / swift.plugin unchanged
            spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - user code: any failure is reported as one line
        raise PluginError(f"--external_plugins {path}: importing it failed: {_first_line(exc)}") from None
    return module


def _functions(module) -> dict:
    found = {name: obj for name, obj in vars(module).items()
             if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", None) == module.__name__}
    registry = getattr(module, "orms", None)
    if isinstance(registry, dict):
        found.update({str(k): v for k, v in registry.items() if callable(v)})
    return found


class PluginReward:
    """A user function as GRPOTrainer calls it: text completions in, checked floats out, failures as one line."""

    def __init__(self, name: str, fn, file: str):
        self.__name__ = name
        self.file = file
        self.fn = fn() if inspect.isclass(fn) else fn
        params = inspect.signature(self.fn).parameters.values()
        self.takes_all = any(p.kind is p.VAR_KEYWORD for p in params)
        self.accepted = {p.name for p in params}

    def __call__(self, completions, **kwargs):
        texts = [rewards.completion_text(c) for c in completions]
        data = {k: v for k, v in kwargs.items() if k not in _TRAINER_ONLY}
        if not self.takes_all:
            data = {k: v for k, v in data.items() if k in self.accepted}
        where = f"--external_plugins {self.file}: reward function {self.__name__!r}"
        try:
            out = self.fn(completions=texts, **data)
        except Exception as exc:  # noqa: BLE001 - user code
            raise PluginError(f"{where} raised {_first_line(exc)}") from None
        try:
            values = [None if v is None else float(v) for v in out]
        except (TypeError, ValueError):
            raise PluginError(f"{where} must return a list of numbers, got {type(out).__name__}") from None
        if len(values) != len(texts):
            raise PluginError(f"{where} returned {len(values)} value(s) for {len(texts)} completion(s)")
        if any(v is not None and not math.isfinite(v) for v in values):
            raise PluginError(f"{where} returned a NaN or infinite reward")
        return values


def resolve(names: list[str], rl, plugin_files: list[str]) -> list:
    """The reward callables for --reward_funcs, built-ins first, then plugin functions."""
    plugins: dict[str, tuple] = {}
    for path in plugin_files:
        for name, fn in _functions(load_module(path)).items():
            plugins.setdefault(name, (fn, path))
    out = []
    for name in names:
        if name in plugins and name not in BUILTIN_REWARDS:
            fn, path = plugins[name]
            out.append(PluginReward(name, fn, path))
        elif name in BUILTIN_REWARDS:
            out.append(rewards.builtin(name, rl))
        else:
            where = f"in {', '.join(plugin_files)}" if plugin_files else "(no --external_plugins given)"
            known = ", ".join([*BUILTIN_REWARDS, *sorted(plugins)])
            raise PluginError(f"--reward_funcs {name}: no such reward {where}; known: {known}")
    return out


def probe(funcs: list, row: dict) -> None:
    """Call every reward once on an empty completion with the first row's columns, before anything is written,
    so a broken plugin or a missing column fails fast with one line."""
    columns = {k: [v] for k, v in row.items() if k != "prompt"}
    for fn in funcs:
        name = getattr(fn, "__name__", "?")
        for col in rewards.needed_columns(name):
            if col not in columns:
                raise UsageError(f"--reward_funcs {name} needs a '{col}' column in every --dataset row")
        if isinstance(fn, PluginReward):
            fn(completions=[""], prompts=[row.get("prompt")], completion_ids=[[]], **columns)
