"""ms-swift style argument parsing over the declarations: defaults < --config YAML < CLI flags.

Accepts `--train_type`, `--train-type`, aliases (`--sft_type`, `--tuner_type`), `--flag=value`,
several values after one flag (`--dataset a.jsonl b.jsonl`), booleans with a value or bare.
"""
from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path
from typing import Any

from swift_cli.errors import UsageError
from swift_cli.options.declare import OptionSpec, build_config, command_specs

TRUE = {"true", "1", "yes", "y", "on", "t"}
FALSE = {"false", "0", "no", "n", "off", "f"}
NONE = {"none", "null", ""}


def _key(name: str) -> str:
    return name.strip().lstrip("-").replace("-", "_").lower()


def option_index(specs: list[OptionSpec]) -> dict[str, OptionSpec]:
    """Map every accepted spelling (name and aliases, normalised) to its spec."""
    index: dict[str, OptionSpec] = {}
    for spec in specs:
        for name in (spec.name, *spec.aliases):
            index[_key(name)] = spec
    return index


def _unknown(flag: str, index: dict[str, OptionSpec], where: str) -> UsageError:
    close = difflib.get_close_matches(_key(flag), list(index), n=1, cutoff=0.6)
    hint = f"; did you mean --{index[close[0]].name}?" if close else "; see --help for the valid flags"
    return UsageError(f"{where}unknown option --{_key(flag)}{hint}")


def convert(spec: OptionSpec, raw: Any, where: str = "") -> Any:
    """Convert one raw value (string from argv or a YAML scalar) to the option's type."""
    flag = f"{where}--{spec.name}"
    if spec.is_list:
        items = raw if isinstance(raw, (list, tuple)) else [raw]
        return [_scalar(spec, v, flag) for v in items]
    if isinstance(raw, (list, tuple)):
        if len(raw) != 1:
            raise UsageError(f"{flag} takes one value, got {len(raw)}: {' '.join(map(str, raw))}")
        raw = raw[0]
    return _scalar(spec, raw, flag)


def _scalar(spec: OptionSpec, raw: Any, flag: str) -> Any:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in NONE and spec.kind is not str):
        if spec.optional:
            return None
        raise UsageError(f"{flag} needs a value")
    if spec.kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise UsageError(f"{flag} expects true or false, got {raw!r}")
    if spec.kind is int and isinstance(raw, float) and not raw.is_integer():
        raise UsageError(f"{flag} expects an integer, got {raw!r}")
    try:
        value = spec.kind(raw) if not isinstance(raw, spec.kind) else raw
    except (TypeError, ValueError):
        kind = {int: "an integer", float: "a number", str: "text"}[spec.kind]
        raise UsageError(f"{flag} expects {kind}, got {raw!r}") from None
    if spec.kind is str and spec.choices:
        value = value.strip()
        if value not in spec.choices:
            close = difflib.get_close_matches(value, [str(c) for c in spec.choices], n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise UsageError(f"{flag} must be one of {', '.join(map(str, spec.choices))}, got {value!r}{hint}")
    return value


def _is_flag(token: str) -> bool:
    # "-1" and "-1e-3" are values (negative numbers), not flags.
    if not token.startswith("-") or token == "-":
        return False
    try:
        float(token)
        return False
    except ValueError:
        return True


def split_argv(argv: list[str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Split argv into leading positionals and (flag, values) pairs."""
    positionals: list[str] = []
    pairs: list[tuple[str, list[str]]] = []
    for token in argv:
        if _is_flag(token):
            name, eq, value = token.partition("=")
            pairs.append((name, [value] if eq else []))
        elif pairs:
            pairs[-1][1].append(token)
        else:
            positionals.append(token)
    return positionals, pairs


def parse_cli(specs: list[OptionSpec], argv: list[str],
              positionals_allowed: bool = False) -> tuple[list[str], dict[str, Any]]:
    """Parse argv into (positionals, {option name: value}) for the flags actually given. For commands that
    take positionals, values beyond the first after a one-value flag are positionals (`--task dpo FILE`)."""
    index = option_index(specs)
    positionals, pairs = split_argv(argv)
    values: dict[str, Any] = {}
    for flag, raw in pairs:
        spec = index.get(_key(flag))
        if spec is None:
            raise _unknown(flag, index, "")
        if positionals_allowed and not spec.is_list and len(raw) > 1:
            positionals += raw[1:]
            raw = raw[:1]
        if not raw:
            if spec.kind is not bool:
                raise UsageError(f"--{spec.name} needs a value")
            raw = ["true"]
        values[spec.name] = convert(spec, raw)
    return positionals, values


def apply_yaml_env(env: Any, path: str) -> None:
    """ms-swift's `ENV:` mapping in a config file: each variable is set unless the environment already has it
    (then the environment's value wins, with a note)."""
    if env is None:
        return
    if not isinstance(env, dict):
        raise UsageError(f"{path}: ENV must be a mapping of VARIABLE: value")
    for key, value in env.items():
        if os.environ.get(str(key)) not in (None, str(value)):
            print(f"note: {path}: ENV {key} is already set in the environment; keeping {os.environ[str(key)]!r}",
                  file=sys.stderr)
        os.environ.setdefault(str(key), str(value))


def load_yaml_values(specs: list[OptionSpec], path: str) -> dict[str, Any]:
    """Read a recipe YAML (flat keys, ms-swift names or aliases) into {option name: value}."""
    import yaml

    file = Path(path)
    if not file.is_file():
        raise UsageError(f"--config: no such file: {path}")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise UsageError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a recipe must be a mapping of option: value")
    apply_yaml_env(data.pop("ENV", None), path)
    index = option_index(specs)
    values: dict[str, Any] = {}
    for key, raw in data.items():
        spec = index.get(_key(str(key)))
        if spec is None:
            raise _unknown(str(key), index, f"{path}: ")
        values[spec.name] = convert(spec, raw, f"{path}: ")
    return values


def parse_command(config_cls: type, argv: list[str], positionals_allowed: bool = False) -> tuple[list[str], Any]:
    """argv (with optional --config recipe.yaml) -> (positionals, frozen command config)."""
    specs = command_specs(config_cls)
    config_path = None
    rest: list[str] = []
    if argv and argv[0].lower().endswith((".yaml", ".yml")) and not argv[0].startswith("-"):
        config_path, argv = argv[0], argv[1:]  # ms-swift's `swift sft config.yaml`: the same as --config
    it = iter(range(len(argv)))
    for i in it:
        token = argv[i]
        if token in ("--config", "--cfg") and i + 1 < len(argv):
            config_path = argv[i + 1]
            next(it, None)
        elif token.startswith("--config="):
            config_path = token.split("=", 1)[1]
        else:
            rest.append(token)
    values: dict[str, Any] = {}
    if config_path:
        from swift_cli.options.recipes import resolve

        values.update(load_yaml_values(specs, str(resolve(config_path))))
    positionals, cli_values = parse_cli(specs, rest, positionals_allowed)
    values.update(cli_values)
    return positionals, build_config(config_cls, values)
