"""The one renderer: a config (or option values) → the `swift <command> ...` line that reproduces it.

Plan output, --dry_run, failure hints, `swift plan --recommend`, the wizard's confirmation screen and
command.sh all print through here, so a copied line always parses back to the same config
(tests/options/test_render.py checks parse(render(cfg)) == cfg for every command and built-in recipe).
What the declarations mark secret or not replayable is never printed.
"""
from __future__ import annotations

import importlib
import shlex
from typing import Any

from swift_cli.options.declare import OptionSpec, command_specs, given_values


def command_config(command: str) -> type:
    """The config dataclass that `swift <command>` parses into (the *Config its module defines)."""
    import dataclasses

    from swift_cli.app import COMMANDS

    mod = importlib.import_module(f"swift_cli.commands.{COMMANDS[command][0]}")
    if dataclasses.is_dataclass(getattr(mod, "CONFIG", None)):
        return mod.CONFIG  # a command that parses another command's config (pt: sft's, dpo: rlhf's)
    found = [v for k, v in vars(mod).items() if k.endswith("Config") and dataclasses.is_dataclass(v)
             and getattr(v, "__module__", "") == mod.__name__]
    if not found:
        raise LookupError(f"swift_cli.commands.{COMMANDS[command][0]} declares no *Config dataclass")
    return found[0]


def _tokens(spec: OptionSpec, value: Any) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else [value]
    if spec.is_list and isinstance(value, str):
        items = value.split()            # a planner flag may spell a list as one space-separated string
    return [f"--{spec.name}", *[str(v).lower() if isinstance(v, bool) else str(v) for v in items]]


def render_argv(config_cls: type, values: dict[str, Any], drop: tuple[str, ...] = ()) -> list[str]:
    """argv for `config_cls` from {option: value}, in declaration order. Options the command does not have,
    secrets, options declared replay=False, the names in `drop` and values that a command line cannot
    carry (None, an empty list) are left out."""
    argv: list[str] = []
    for spec in command_specs(config_cls):
        if spec.name not in values or spec.secret or not spec.replay or spec.name in drop:
            continue
        value = values[spec.name]
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        argv += _tokens(spec, value)
    return argv


def render_values(command: str, values: dict[str, Any], drop: tuple[str, ...] = (),
                  env: dict[str, Any] | None = None, config_cls: type | None = None) -> str:
    """`[ENV=..] swift COMMAND --flag value ...` for these option values."""
    cls = config_cls or command_config(command)
    prefix = "".join(f"{k}={shlex.quote(str(v))} " for k, v in (env or {}).items())
    return prefix + shlex.join(["swift", command, *render_argv(cls, values, drop)])


def render(cfg: Any, command: str, overrides: dict[str, Any] | None = None, drop: tuple[str, ...] = (),
           env: dict[str, Any] | None = None) -> str:
    """The `swift COMMAND` line for what the user set on `cfg`, with `overrides` replacing or adding options
    (an override of None removes the option). `cfg` may be another command's config (`swift plan`'s renders
    as `swift sft`): only the options COMMAND declares are printed."""
    values = given_values(cfg)
    for k, v in (overrides or {}).items():
        if v is None:
            values.pop(k, None)
        else:
            values[k] = v
    return render_values(command, values, drop, env)
