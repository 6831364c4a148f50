"""`.finetune <model>-<method> <dataset> [key=value ...]` → a typed command config, through the CLI's declarations.

The model alias comes from the registry (swift_cli/registry/models.py ALIASES), the method picks the command
(lora/qlora/dora/full → sft; dpo/orpo/kto/simpo/cpo → rlhf), key=value pairs pass the allowlist (bot/safety.py)
and are converted by the option declarations; the result is rendered by the one renderer and parsed back, so the
job's argv is exactly what `swift sft ...` on the command line would parse."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.safety import SHORTHANDS, Refused, check_key, check_name, check_value

SFT_METHODS = ("lora", "qlora", "dora", "full")
RLHF_METHODS = ("dpo", "orpo", "kto", "simpo", "cpo")
METHODS = SFT_METHODS + RLHF_METHODS
BUILTIN_DATASETS = ("self-cognition", "tiny-preferences")
UPLOAD_PREFIX = "upload:"
# A model alias may bring a base recipe: the tiny model learns only with the demo's settings.
BASE_RECIPE = {"tiny": "tiny-self-cognition"}


@dataclass
class Finetune:
    """A parsed `.finetune`: the command, its option values (the typed config's values) and the config itself."""

    model_alias: str
    model_key: str
    method: str
    dataset: str
    command: str
    values: dict[str, Any]
    config: Any = None
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def recipe(self) -> dict[str, Any]:
        """What `.recipe save` keeps: the words of the request, not the resolved paths."""
        return {"model": f"{self.model_alias}-{self.method}", "dataset": self.dataset, "set": dict(self.overrides)}


def split_model_method(word: str) -> tuple[str, str]:
    check_name("model", word)
    model, sep, method = word.lower().rpartition("-")
    if not sep or method not in METHODS:
        raise Refused(f"refused: {word!r}: write <model>-<method> with a method of {', '.join(METHODS)} "
                      f"(e.g. qwen-7b-lora); nothing was run")
    return model, method


def resolve_model(alias: str, tiny_dir: Path) -> tuple[str, str]:
    """(registry key, the --model value): the tiny model's folder, else the registry's ModelScope/HF id."""
    from swift_cli.registry.models import find_model, hub_id, resolve_alias

    key = resolve_alias(alias)
    if key == "tiny":
        return "tiny", str(tiny_dir)
    entry = find_model(key)
    if entry is None:
        raise Refused(f"refused: unknown model {alias!r}; see `swift list models` (aliases: qwen-7b, tiny, ...); "
                      f"nothing was run")
    return entry.key, hub_id(entry, use_hf=False)


def resolve_dataset(name: str, upload_dir: Path) -> str:
    """A built-in set, a registry dataset (with #N), or `upload:FILE` from the user's own upload folder."""
    if name.startswith(UPLOAD_PREFIX):
        file = check_name("file", name[len(UPLOAD_PREFIX):])
        path = (upload_dir / file).resolve()
        if upload_dir.resolve() not in path.parents or not path.is_file():
            raise Refused(f"refused: {name!r}: no such file in your upload folder; nothing was run")
        return str(path)
    check_name("dataset", name)
    from swift_cli.registry.datasets import find_dataset

    base = name.split("#")[0]
    if base.lower() in BUILTIN_DATASETS:
        return name
    entry = find_dataset(base)
    if entry is None:
        raise Refused(f"refused: unknown dataset {base!r}; see `swift list datasets` or attach a file; "
                      f"nothing was run")
    return entry.key + name[len(base):]


def parse_overrides(command: str, pairs: list[str]) -> dict[str, Any]:
    """key=value pairs → {option: typed value}, each key on the allowlist, each value checked and converted."""
    from swift_cli.errors import UsageError
    from swift_cli.options.declare import command_specs
    from swift_cli.options.parse import convert, option_index
    from swift_cli.options.render import command_config

    index = option_index(command_specs(command_config(command)))
    out: dict[str, Any] = {}
    for pair in _expand(pairs):
        if pair.startswith("-"):
            raise Refused(f"refused: {pair!r}: options are given as key=value, and only allowed ones; "
                          f"nothing was run")
        key, eq, raw = pair.partition("=")
        if not eq:
            raise Refused(f"refused: {pair!r}: expected key=value; nothing was run")
        key = check_key(key)
        spec = index.get(key)
        if spec is None:
            raise Refused(f"refused: {key} is not an option of swift {command}; nothing was run")
        value = check_value(key, raw)
        try:
            out[spec.name] = convert(spec, value.split(",") if spec.is_list else value)
        except UsageError as exc:
            raise Refused(f"refused: {exc}; nothing was run") from None
    return out


def _expand(pairs: list[str]) -> list[str]:
    """Chat shorthands (`eval=DATASETS`) → the ms-swift key=value pairs they stand for."""
    out = []
    for pair in pairs:
        key, eq, raw = pair.partition("=")
        if eq and key.lower() in SHORTHANDS:
            out += [f"{k}={raw if v is None else v}" for k, v in SHORTHANDS[key.lower()]]
        else:
            out.append(pair)
    return out


def build(words: list[str], tiny_dir: Path, upload_dir: Path) -> Finetune:
    """`.finetune` words (after the verb) → a Finetune with its typed config (validated by the CLI's parser)."""
    if len(words) < 2:
        raise Refused("usage: .finetune <model>-<method> <dataset> [key=value ...] (e.g. .finetune qwen-7b-lora "
                      "wiki_zh max_steps=100)")
    alias, method = split_model_method(words[0])
    key, model = resolve_model(alias, tiny_dir)
    dataset = resolve_dataset(words[1], upload_dir)
    command = "sft" if method in SFT_METHODS else "rlhf"
    overrides = parse_overrides(command, words[2:])
    values = _base_values(command, alias)
    values |= {"model": model, "dataset": [dataset], "train_type": "lora" if command == "rlhf" else method}
    if command == "rlhf":
        values["rlhf_type"] = method
    values |= overrides
    ft = Finetune(alias, key, method, words[1], command, values, overrides=overrides)
    ft.config = typed_config(command, values)
    return ft


def _base_values(command: str, alias: str) -> dict[str, Any]:
    name = BASE_RECIPE.get(alias)
    if not name:
        return {}
    from swift_cli.options.declare import command_specs
    from swift_cli.options.parse import load_yaml_values
    from swift_cli.options.recipes import builtin
    from swift_cli.options.render import command_config

    return load_yaml_values(command_specs(command_config(command)), str(builtin(name)))


def typed_config(command: str, values: dict[str, Any]) -> Any:
    """Render the values and parse them back with the CLI's parser: the config `swift COMMAND ...` would get."""
    from swift_cli.errors import UsageError
    from swift_cli.options.parse import parse_command
    from swift_cli.options.render import command_config, render_argv

    cls = command_config(command)
    try:
        _, cfg = parse_command(cls, render_argv(cls, values))
    except UsageError as exc:
        raise Refused(f"refused: {exc}; nothing was run") from None
    return cfg
