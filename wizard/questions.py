"""Questions derived from the option declarations (swift_cli/options): labels, help, choices, types and
parsing all come from there, and answers become the argv the CLI itself parses."""
from __future__ import annotations

import shlex
from typing import Any

from swift_cli.errors import UsageError
from swift_cli.options.declare import OptionSpec, build_config, command_specs
from swift_cli.options.parse import convert
from wizard import ui
from wizard.i18n import option_help, option_label, t


def specs(config_cls: type) -> dict[str, OptionSpec]:
    """Every option of a command config by name."""
    return {s.name: s for s in command_specs(config_cls)}


def wizard_options(config_cls: type) -> list[str]:
    """The options declared with wizard=True, in declaration order."""
    return [s.name for s in command_specs(config_cls) if s.wizard]


def show(value: Any) -> str:
    """A value as the user would type it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return shlex.join(str(v) for v in value)
    return str(value)


def parse_answer(spec: OptionSpec, answer: str) -> Any:
    """Typed value from typed text, with the CLI's own conversion (UsageError names the flag)."""
    if spec.is_list:
        return convert(spec, shlex.split(answer))
    if not answer.strip():
        if spec.optional:
            return None
        raise UsageError(f"--{spec.name} needs a value")
    return convert(spec, answer.strip())


def _problem(spec: OptionSpec, answer: str) -> str | None:
    try:
        parse_answer(spec, answer)
    except (UsageError, ValueError) as exc:
        return t("params.bad", why=str(exc))
    return None


def ask_option(spec: OptionSpec, current: Any) -> Any:
    """Ask one option: a list for choices/booleans, else text checked on the spot."""
    label = f"{option_label(spec)} — {option_help(spec)}"
    if spec.kind is bool:
        return ui.select(label, [ui.Choice("true", True), ui.Choice("false", False)], default=current)
    if spec.choices and not spec.is_list:
        none = [ui.Choice("-", None)] if spec.optional else []
        return ui.select(label, none + [ui.Choice(str(c), c) for c in spec.choices], default=current)
    answer = ui.text(t("params.value", label=label), default=show(current), validate=lambda a: _problem(spec, a))
    return parse_answer(spec, answer)


def effective(config_cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """Values with the declared defaults filled in (what the command will actually use)."""
    defaults = {s.name: s.default for s in command_specs(config_cls)}
    return {**defaults, **values}


def edit(config_cls: type, values: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The key-parameters screen: each line shows value and explanation; Enter edits it; Continue returns."""
    all_specs = specs(config_cls)
    values = dict(values)
    while True:
        shown = effective(config_cls, values)
        width = max(ui.width(option_label(all_specs[n])) for n in names)
        choices = [ui.Choice(t("params.done"), None)]
        for name in names:
            spec = all_specs[name]
            choices.append(ui.Choice(f"{ui.pad(option_label(spec), width)} = {ui.pad(show(shown[name]) or '-', 10)} "
                                     f"{option_help(spec)}", name))
        picked = ui.select(t("params.ask"), choices)
        if picked is None:
            return values
        try:
            values[picked] = ask_option(all_specs[picked], shown[picked])
        except ui.Back:
            continue


def to_argv(config_cls: type, values: dict[str, Any], always: tuple[str, ...] = ()) -> list[str]:
    """argv for the command (the one renderer): every answer, even one equal to its declared default (an answer
    is the user's choice, so the planner must keep it), in declaration order. `always` is accepted for callers
    of the earlier version, which left out answers equal to the default."""
    from swift_cli.options.render import render_argv

    build_config(config_cls, values)  # a value of the wrong shape fails here, not in the command
    return render_argv(config_cls, values)


def recipe(config_cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """The same choices as a flat recipe mapping (what `--config recipe.yaml` loads); secrets and options that
    act once are left out, as on the command line."""
    keep = {s.name for s in command_specs(config_cls) if not s.secret and s.replay}
    return {s.name: values[s.name] for s in command_specs(config_cls)
            if s.name in values and s.name in keep and values[s.name] is not None}
