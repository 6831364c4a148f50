"""The one renderer: parse(render(cfg)) == cfg, and the same options count as set, for every command, every
built-in recipe and the planner's output on every built-in profile. Pure (no engine imports), in-process."""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from swift_cli.app import COMMANDS
from swift_cli.options.declare import command_specs, given, given_values
from swift_cli.options.parse import parse_command
from swift_cli.options.render import command_config, render

REPO = Path(__file__).resolve().parents[2]
RECIPES = sorted((REPO / "recipes").glob("*.yaml"))


def _commands_with_config() -> list[str]:
    out = []
    for name in COMMANDS:
        try:
            command_config(name)
        except LookupError:
            continue
        out.append(name)
    return out


CONFIG_COMMANDS = _commands_with_config()


def _other_value(spec):
    """A value for `spec` that differs from its default and that a shell line must carry intact."""
    if spec.kind is bool:
        value = not spec.default
    elif spec.choices:
        value = next(c for c in spec.choices if c != spec.default)
    elif spec.kind is int:
        value = (spec.default or 0) + 3
    elif spec.kind is float:
        value = (spec.default or 0.0) + 0.25
    else:
        value = f"{spec.name} value/with spaces 和 'quotes'"
    if spec.is_list:
        return [value, value] if spec.kind is not str else [value, "second=item"]
    return value


def parse_line(line: str, config_cls: type):
    tokens = shlex.split(line)
    assert tokens[0] == "swift"
    _, cfg = parse_command(config_cls, tokens[2:], positionals_allowed=False)
    return cfg


def replayable(cfg) -> set[str]:
    keep = {s.name for s in command_specs(type(cfg)) if s.replay and not s.secret}
    return set(given(cfg)) & keep


def assert_round_trip(cfg, command: str) -> str:
    line = render(cfg, command)
    back = parse_line(line, command_config(command))
    expected = {k: v for k, v in given_values(cfg).items() if k in replayable(cfg)}
    assert given_values(back) == expected, line
    assert set(given(back)) == replayable(cfg), line
    return line


def test_enumerates_every_command_with_options():
    # sft, pt, dpo, rlhf, infer, deploy, export, quantize, download, plan, ... (what has a *Config)
    assert {"sft", "pt", "dpo", "rlhf", "infer", "plan", "export"} <= set(CONFIG_COMMANDS)


@pytest.mark.parametrize("command", CONFIG_COMMANDS)
def test_every_option_round_trips(command):
    cls = command_config(command)
    specs = command_specs(cls)
    values = {s.name: _other_value(s) for s in specs}
    cfg = parse_command(cls, [])[1]
    from swift_cli.options.declare import build_config

    cfg = build_config(cls, values)
    line = assert_round_trip(cfg, command)
    # secrets and options that act once are never printed
    for s in specs:
        if s.secret or not s.replay:
            assert f"--{s.name} " not in line + " "


@pytest.mark.parametrize("command", ["sft", "rlhf", "infer", "plan"])
def test_values_equal_to_defaults_still_count_as_set(command):
    """`--train_type lora --per_device_train_batch_size 1` are the user's word even though they are defaults."""
    cls = command_config(command)
    specs = [s for s in command_specs(cls) if s.replay and not s.secret and s.default not in (None, [])][:12]
    argv = []
    for s in specs:
        default = s.default if isinstance(s.default, list) else [s.default]
        argv += [f"--{s.name}", *[str(v).lower() if isinstance(v, bool) else str(v) for v in default]]
    _, cfg = parse_command(cls, argv)
    assert set(given(cfg)) == {s.name for s in specs}
    assert_round_trip(cfg, command)


@pytest.mark.parametrize("recipe", RECIPES, ids=[r.stem for r in RECIPES])
def test_every_builtin_recipe_round_trips(recipe):
    first = recipe.read_text(encoding="utf-8").splitlines()[0]
    command = shlex.split(first.lstrip("# "))[1]           # each recipe opens with the command that runs it
    _, cfg = parse_command(command_config(command), ["--config", str(recipe)])
    assert given(cfg), recipe
    assert_round_trip(cfg, command)


def test_rlhf_type_survives_dry_run_rendering():
    from swift_cli.commands.rlhf import RlhfConfig

    _, cfg = parse_command(RlhfConfig, ["--rlhf_type", "orpo", "--model", "m", "--dataset", "d.jsonl"])
    assert render(cfg, "rlhf").startswith("swift rlhf --rlhf_type orpo ")


def _planner_cases():
    from hardware.profiles import list_profiles

    for prof in list_profiles():
        for n in sorted({1, prof["max_devices"]}):
            for task in ("sft", "dpo"):
                yield f"{prof['name']}:{n}", task


PLANNER_CASES = list(_planner_cases())


def test_planner_output_round_trips_on_every_builtin_profile():
    """`swift plan --hardware P` prints a command; parsing it gives the user's options plus the planner's flags."""
    from swift_cli.commands.plan import PlanConfig
    from swift_cli.engine.planning import COMMAND_OF_TASK, command_line, make_plan
    from swift_cli.options.declare import replace

    checked = 0
    for hardware, task in PLANNER_CASES:
        _, cfg = parse_command(PlanConfig, ["--model", "qwen2.5-7b-instruct", "--dataset", "data.jsonl",
                                            "--lora_rank", "16", "--hardware", hardware, "--task", task])
        plan = make_plan(cfg, task)
        command = COMMAND_OF_TASK.get(task, task)
        line = command_line(cfg, task, plan)
        cls = command_config(command)
        back = parse_line(line.split(" ", 1)[1] if line.startswith("NPROC_PER_NODE=") else line, cls)
        flags = {k: v for k, v in plan.flags.items() if k != "nproc_per_node"}
        if isinstance(flags.get("target_modules"), str):
            flags["target_modules"] = flags["target_modules"].split()
        names = {s.name for s in command_specs(cls)}
        wanted = {k: v for k, v in {**given_values(cfg), **flags}.items() if k in names and k != "hardware"}
        assert given_values(back) == wanted, (hardware, task, line)
        assert back == replace(parse_command(cls, [])[1], **wanted), (hardware, task, line)
        if plan.flags.get("nproc_per_node", 1) > 1:
            assert line.startswith(f"NPROC_PER_NODE={plan.flags['nproc_per_node']} swift ")
        checked += 1
    assert checked == len(PLANNER_CASES) >= 50
