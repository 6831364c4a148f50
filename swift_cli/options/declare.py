"""Declare each option once: name, ms-swift aliases, type, default, help, zh label.

A config group is a frozen dataclass whose fields are made with `opt(...)`. The CLI parser, the YAML
loader, `--help`, args.json and the wizard all read these declarations; nothing restates them.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any

SECRET_MARK = "***"


def opt(default: Any, help: str, *, aliases: tuple[str, ...] = (), choices: tuple | None = None,
        secret: bool = False, zh: str = "", wizard: bool = False, replay: bool = True) -> Any:
    """A dataclass field carrying the option's declaration in its metadata. `replay=False` marks options a
    printed command never repeats (they act once, like --dry_run); secrets are never printed either."""
    meta = {"help": help, "aliases": tuple(aliases), "choices": tuple(choices) if choices else None,
            "secret": secret, "zh": zh, "wizard": wizard, "replay": replay}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class OptionSpec:
    """One option as the parser sees it (derived from a dataclass field)."""

    name: str
    group: str
    kind: type  # str, int, float, bool
    is_list: bool
    optional: bool
    default: Any
    help: str
    aliases: tuple[str, ...]
    choices: tuple | None
    secret: bool
    zh: str
    wizard: bool
    replay: bool = True

    @property
    def metavar(self) -> str:
        if self.choices:
            return "|".join(map(str, self.choices))
        base = {str: "TEXT", int: "INT", float: "FLOAT", bool: "BOOL"}[self.kind]
        return f"{base} ..." if self.is_list else base


def _unwrap(annotation: Any) -> tuple[type, bool, bool]:
    """Map a field annotation to (scalar type, is_list, optional)."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = True
        annotation = args[0]
        origin = typing.get_origin(annotation)
    if origin is list:
        (inner,) = typing.get_args(annotation)
        return inner, True, optional
    return annotation, False, optional


def group_specs(group_cls: type, group_name: str) -> list[OptionSpec]:
    """OptionSpecs for every field of one config group."""
    hints = typing.get_type_hints(group_cls)
    specs = []
    for f in dataclasses.fields(group_cls):
        kind, is_list, optional = _unwrap(hints[f.name])
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        m = f.metadata
        specs.append(OptionSpec(f.name, group_name, kind, is_list, optional, default, m.get("help", ""),
                                m.get("aliases", ()), m.get("choices"), m.get("secret", False),
                                m.get("zh", ""), m.get("wizard", False), m.get("replay", True)))
    return specs


def command_groups(config_cls: type) -> dict[str, type]:
    """The config groups a command config is composed of: field name -> group class."""
    hints = typing.get_type_hints(config_cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(config_cls)}


def command_specs(config_cls: type) -> list[OptionSpec]:
    """Every option of a command, flat, in declaration order."""
    out: list[OptionSpec] = []
    for gname, gcls in command_groups(config_cls).items():
        out.extend(group_specs(gcls, gname))
    return out


# Which options the user set (CLI flag, recipe key, wizard answer), whatever their value, rides on the config
# instance: the config classes stay plain frozen dataclasses composed of option groups, and equality ignores it.
_GIVEN = "_given_options"


def given(cfg: Any) -> frozenset[str]:
    """The options the user set on this config. A config built without that record (directly through its
    dataclass constructor) counts the options whose value differs from the declared default."""
    names = getattr(cfg, _GIVEN, None)
    if names is not None:
        return names
    defaults = {s.name: s.default for s in command_specs(type(cfg))}
    return frozenset(k for k, v in flat_dict(cfg, redact=False).items() if defaults.get(k) != v)


def with_given(cfg: Any, names) -> Any:
    """Record `names` as the options the user set on `cfg` (returns cfg)."""
    object.__setattr__(cfg, _GIVEN, frozenset(names))
    return cfg


def given_values(cfg: Any) -> dict[str, Any]:
    """{option: value} for the options the user set, in declaration order (secrets unredacted)."""
    names = given(cfg)
    return {k: v for k, v in flat_dict(cfg, redact=False).items() if k in names}


def build_config(config_cls: type, values: dict[str, Any], given_names=None) -> Any:
    """Instantiate a command config from flat {option name: value} (missing names keep defaults). The names in
    `values` are what the user set unless `given_names` says otherwise."""
    groups = {}
    for gname, gcls in command_groups(config_cls).items():
        names = {f.name for f in dataclasses.fields(gcls)}
        groups[gname] = gcls(**{k: v for k, v in values.items() if k in names})
    known = {s.name for s in command_specs(config_cls)}
    names = values if given_names is None else given_names
    return with_given(config_cls(**groups), {k for k in names if k in known})


def flat_dict(cfg: Any, redact: bool = True) -> dict[str, Any]:
    """A command config as flat {option: value}, secrets replaced by a mark (for args.json and logs)."""
    out: dict[str, Any] = {}
    for spec in command_specs(type(cfg)):
        value = getattr(getattr(cfg, spec.group), spec.name)
        if redact and spec.secret and value:
            value = SECRET_MARK
        out[spec.name] = value
    return out


def replace(cfg: Any, **changes: Any) -> Any:
    """A copy of a command config with some flat options changed; the changed ones count as set."""
    values = flat_dict(cfg, redact=False)
    values.update(changes)
    return build_config(type(cfg), values, given(cfg) | set(changes))


def replace_group(cfg: Any, group: str, **changes: Any) -> Any:
    """dataclasses.replace of one option group, keeping the record of what the user set (the changed options
    count as set)."""
    new = dataclasses.replace(cfg, **{group: dataclasses.replace(getattr(cfg, group), **changes)})
    return with_given(new, given(cfg) | set(changes))
