"""The ms-swift compatible option parser: spellings, aliases, lists, booleans, recipes, errors."""
from __future__ import annotations

import json

import pytest

from swift_cli.commands.infer import InferConfig
from swift_cli.commands.sft import SftConfig
from swift_cli.commands.validate_dataset import ValidateConfig
from swift_cli.errors import UsageError
from swift_cli.options.declare import SECRET_MARK, command_specs, flat_dict
from swift_cli.options.parse import parse_command


def sft(*argv: str):
    positionals, cfg = parse_command(SftConfig, list(argv))
    assert positionals == []
    return cfg


def usage_error(*argv: str) -> str:
    with pytest.raises(UsageError) as info:
        parse_command(SftConfig, list(argv))
    return str(info.value)


# --- spellings and aliases -------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--train_type", "--train-type", "--sft_type", "--sft-type", "--tuner_type",
                                  "--tuner-type", "--TRAIN_TYPE"])
def test_every_spelling_of_train_type_sets_it(flag):
    assert sft(flag, "full").tuner.train_type == "full"


def test_default_train_type_is_lora():
    assert sft().tuner.train_type == "lora"


def test_flag_equals_value_and_dash_spelling():
    cfg = sft("--lora-rank=16", "--per_device_train_batch_size=4", "--model=/some/dir")
    assert cfg.tuner.lora_rank == 16
    assert cfg.train.per_device_train_batch_size == 4
    assert cfg.model.model == "/some/dir"


def test_alias_of_a_list_option_and_of_a_scalar():
    cfg = sft("--model_id_or_path", "Qwen/Qwen2.5-0.5B", "--batch_size", "3", "--lora_r", "2")
    assert cfg.model.model == "Qwen/Qwen2.5-0.5B"
    assert cfg.train.per_device_train_batch_size == 3
    assert cfg.tuner.lora_rank == 2


# --- several values after one flag -----------------------------------------------------------------

def test_several_datasets_after_one_flag():
    cfg = sft("--dataset", "a.jsonl", "b.json", "swift/self-cognition#500", "--lora_rank", "4")
    assert cfg.data.dataset == ["a.jsonl", "b.json", "swift/self-cognition#500"]
    assert cfg.tuner.lora_rank == 4


def test_model_name_zh_then_en_with_a_space():
    cfg = sft("--model_name", "小黄", "Xiao Huang", "--model_author", "魔搭", "ModelScope")
    assert cfg.data.model_name == ["小黄", "Xiao Huang"]
    assert cfg.data.model_author == ["魔搭", "ModelScope"]


def test_equals_form_starts_a_list_that_later_values_extend():
    assert sft("--dataset=a.jsonl", "b.jsonl").data.dataset == ["a.jsonl", "b.jsonl"]


def test_scalar_option_given_two_values_is_an_error_naming_it():
    msg = usage_error("--lora_rank", "4", "8")
    assert "--lora_rank" in msg and "one value" in msg


# --- booleans --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [("true", True), ("True", True), ("1", True), ("yes", True),
                                           ("false", False), ("FALSE", False), ("0", False), ("no", False)])
def test_boolean_with_a_value(text, expected):
    assert sft("--use_hf", text).model.use_hf is expected


def test_gradient_checkpointing_unset_is_left_to_the_plan_and_given_values_are_kept():
    assert sft().train.gradient_checkpointing is None   # the run's plan decides (pipeline.planned_defaults)
    assert sft("--gradient_checkpointing", "false").train.gradient_checkpointing is False
    assert sft("--gradient_checkpointing").train.gradient_checkpointing is True


def test_bare_boolean_means_true_even_before_another_flag():
    cfg = sft("--packing", "--max_length", "512")
    assert cfg.data.packing is True
    assert cfg.data.max_length == 512
    assert sft("--dataset", "x.jsonl", "--packing").data.packing is True


def test_boolean_with_a_non_boolean_value_names_the_flag():
    msg = usage_error("--use_hf", "maybe")
    assert "--use_hf" in msg and "maybe" in msg


# --- numbers ---------------------------------------------------------------------------------------

def test_negative_numbers_are_values_not_flags():
    cfg = sft("--max_steps", "-1", "--learning_rate", "-1e-3", "--warmup_ratio", "-0.5")
    assert cfg.train.max_steps == -1
    assert cfg.train.learning_rate == pytest.approx(-1e-3)
    assert cfg.train.warmup_ratio == pytest.approx(-0.5)


def test_scientific_learning_rate():
    assert sft("--learning_rate", "1e-4").train.learning_rate == pytest.approx(1e-4)


@pytest.mark.parametrize("argv,flag", [(["--lora_rank", "four"], "--lora_rank"),
                                       (["--lora_rank", "4.5"], "--lora_rank"),
                                       (["--learning_rate", "fast"], "--learning_rate"),
                                       (["--num_train_epochs", "x"], "--num_train_epochs")])
def test_type_errors_name_the_flag(argv, flag):
    msg = usage_error(*argv)
    assert flag in msg and argv[1] in msg


@pytest.mark.parametrize("argv", [["--max_length", "none"], ["--max_length="], ["--lora_rank", "null"]])
def test_none_for_a_required_number_is_a_usage_error(argv):
    # max_length / lora_rank are plain ints (not `int | None`): "none" must not become None, which only
    # crashes later (validate() compares None < 8 -> TypeError, exit 1 instead of 2).
    try:
        _, cfg = parse_command(SftConfig, argv)
    except UsageError as exc:
        assert argv[0].split("=")[0] in str(exc)
        return
    pytest.fail(f"PRODUCT BUG (swift_cli/options/parse.py _scalar): {argv} parsed to "
                f"max_length={cfg.data.max_length!r}, lora_rank={cfg.tuner.lora_rank!r} instead of a UsageError")


def test_none_for_an_optional_number_is_none():
    assert sft("--learning_rate", "5e-5", "--learning_rate", "none").train.learning_rate is None
    assert sft("--save_total_limit", "null").train.save_total_limit is None


# --- choices and unknown flags ---------------------------------------------------------------------

def test_choice_error_names_flag_choices_and_suggestion():
    msg = usage_error("--train_type", "lorra")
    assert "--train_type" in msg
    assert "qlora" in msg and "full" in msg
    assert "did you mean lora" in msg


def test_choice_error_via_alias_names_the_canonical_flag():
    assert "--train_type" in usage_error("--sft_type", "lorax")  # "adapter" is ms-swift's: refused later


def test_unknown_flag_suggests_the_closest_name():
    msg = usage_error("--lora_rnk", "4")
    assert "--lora_rnk" in msg
    assert "did you mean --lora_rank" in msg


def test_unknown_flag_far_from_everything_points_to_help():
    msg = usage_error("--zzzzqqqq", "1")
    assert "--zzzzqqqq" in msg and "--help" in msg


def test_non_boolean_flag_without_value_is_an_error():
    assert "--lora_rank" in usage_error("--lora_rank", "--packing")


def test_positionals_before_flags_are_returned():
    pos, cfg = parse_command(ValidateConfig, ["a.jsonl", "b.jsonl", "--task", "pt"])
    assert pos == ["a.jsonl", "b.jsonl"]
    assert cfg.check.task == "pt"


# --- precedence: defaults < --config recipe.yaml < CLI ---------------------------------------------

def test_precedence_defaults_then_yaml_then_cli(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("train_type: full\nlora_rank: 16\nlearning_rate: 1e-4\nsft_type: dora\n"
                      "dataset:\n  - a.jsonl\n  - b.jsonl\nuse-hf: true\ngradient_checkpointing: false\n",
                      encoding="utf-8")
    cfg = sft("--config", str(recipe), "--lora_rank", "32")
    assert cfg.tuner.lora_rank == 32  # CLI beats YAML
    assert cfg.tuner.train_type == "dora"  # alias in YAML, later key wins
    assert cfg.train.learning_rate == pytest.approx(1e-4)  # YAML "1e-4" is a string for YAML 1.1
    assert cfg.data.dataset == ["a.jsonl", "b.jsonl"]
    assert cfg.model.use_hf is True
    assert cfg.train.gradient_checkpointing is False
    assert cfg.tuner.lora_alpha == 32  # untouched default
    assert cfg.data.max_length == 2048


def test_config_equals_form_and_cli_before_config(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("max_length: 100\ndataset: one.jsonl\n", encoding="utf-8")
    cfg = sft("--max_length", "7", f"--config={recipe}")
    assert cfg.data.max_length == 7  # CLI wins wherever --config appears
    assert cfg.data.dataset == ["one.jsonl"]  # a YAML scalar for a list option becomes a list


def test_yaml_unknown_key_names_the_file_and_suggests(tmp_path):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text("lora_rnk: 4\n", encoding="utf-8")
    msg = usage_error("--config", str(recipe))
    assert str(recipe) in msg
    assert "lora_rnk" in msg and "did you mean --lora_rank" in msg


def test_yaml_type_error_names_the_file_and_flag(tmp_path):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text("train_type: lorax\n", encoding="utf-8")
    msg = usage_error("--config", str(recipe))
    assert str(recipe) in msg and "--train_type" in msg


def test_yaml_fractional_int_is_refused_not_truncated(tmp_path):
    recipe = tmp_path / "frac.yaml"
    recipe.write_text("lora_rank: 8.5\n", encoding="utf-8")
    try:
        cfg = sft("--config", str(recipe))
    except UsageError as exc:
        assert "--lora_rank" in str(exc)
        return
    pytest.fail(f"PRODUCT BUG (swift_cli/options/parse.py _scalar: int(8.5)): YAML lora_rank: 8.5 silently "
                f"became {cfg.tuner.lora_rank!r}; the CLI refuses --lora_rank 4.5")


def test_missing_and_invalid_yaml_files(tmp_path):
    assert "no such file" in usage_error("--config", str(tmp_path / "nope.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1, 2\nb: 3\n", encoding="utf-8")
    msg = usage_error("--config", str(broken))
    assert str(broken) in msg and "YAML" in msg
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n", encoding="utf-8")
    assert str(listy) in usage_error("--config", str(listy))


# --- flat_dict, uniqueness -------------------------------------------------------------------------

def test_flat_dict_redacts_hub_token():
    secret = "hf_Sup3rSecretTokenValue42"
    cfg = sft("--hub_token", secret, "--lora_rank", "4")
    flat = flat_dict(cfg)
    assert flat["hub_token"] == SECRET_MARK
    assert secret not in json.dumps(flat, default=str)
    assert flat["lora_rank"] == 4 and flat["train_type"] == "lora"
    assert flat_dict(cfg, redact=False)["hub_token"] == secret
    assert flat_dict(sft())["hub_token"] is None  # nothing to hide stays None


def test_flat_dict_has_every_option_once():
    flat = flat_dict(sft())
    assert list(flat) == [s.name for s in command_specs(SftConfig)]


def _registered_commands() -> list[str]:
    from swift_cli.app import COMMANDS

    return sorted(COMMANDS)


def _configs_of(command: str) -> list[type]:
    """The config classes (module-level dataclasses named *Config) of one registered command."""
    import dataclasses
    import importlib

    from swift_cli.app import COMMANDS

    module_name = COMMANDS[command][0]
    try:
        module = importlib.import_module(f"swift_cli.commands.{module_name}")
    except ImportError as exc:
        pytest.fail(f"`swift {command}` is registered in swift_cli/app.py COMMANDS but its module "
                    f"swift_cli.commands.{module_name} cannot be imported: {exc}")
    return [obj for name, obj in vars(module).items()
            if name.endswith("Config") and dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__]


def _clashes(config_cls: type) -> list[str]:
    seen: dict[str, str] = {}
    clashes = []
    for spec in command_specs(config_cls):
        for name in (spec.name, *spec.aliases):
            key = name.replace("-", "_").lower()
            if key in seen:
                clashes.append(f"{key}: {seen[key]} and {spec.group}.{spec.name}")
            seen[key] = f"{spec.group}.{spec.name}"
    return clashes


@pytest.mark.parametrize("config_cls", [SftConfig, InferConfig, ValidateConfig], ids=lambda c: c.__name__)
def test_option_names_and_aliases_are_unique_across_groups(config_cls):
    assert not _clashes(config_cls), f"{config_cls.__name__}: the same flag in two places: {_clashes(config_cls)}"


@pytest.mark.parametrize("command", _registered_commands())
def test_every_registered_command_has_unique_option_names(command):
    configs = _configs_of(command)
    for config_cls in configs:
        assert not _clashes(config_cls), f"swift {command}: the same flag in two places: {_clashes(config_cls)}"


def test_the_main_commands_have_configs():
    assert {"SftConfig"} <= {c.__name__ for c in _configs_of("sft")}
    assert {"InferConfig"} <= {c.__name__ for c in _configs_of("infer")}


def test_infer_config_parses_its_own_flags():
    _, cfg = parse_command(InferConfig, ["--adapters", "a=/x", "b=/y", "--stream", "false", "--infer_backend",
                                         "transformers", "--max_tokens", "64", "--stop", "###", "END"])
    flat = flat_dict(cfg)  # by option name, whichever group holds it
    assert flat["adapters"] == ["a=/x", "b=/y"]
    assert flat["stream"] is False
    assert flat["infer_backend"] == "transformers"
    assert flat["max_new_tokens"] == 64
    assert flat["stop"] == ["###", "END"]


def test_yaml_env_section_sets_unset_variables_and_keeps_the_environments(tmp_path, monkeypatch, capsys):
    """ms-swift's `ENV:` mapping in a config file (e.g. its examples/yaml/megatron/infer.yaml)."""
    monkeypatch.delenv("YICHUI_T_UNSET", raising=False)
    monkeypatch.setenv("YICHUI_T_SET", "mine")
    recipe = tmp_path / "r.yaml"
    recipe.write_text("ENV:\n  YICHUI_T_UNSET: '12'\n  YICHUI_T_SET: theirs\nmax_length: 64\n")
    cfg = sft(str(recipe), "--model", "m", "--dataset", "d.jsonl")
    import os

    assert cfg.data.max_length == 64
    assert os.environ["YICHUI_T_UNSET"] == "12" and os.environ["YICHUI_T_SET"] == "mine"
    assert "YICHUI_T_SET is already set" in capsys.readouterr().err
    recipe.write_text("ENV: [a, b]\n")
    assert "ENV must be a mapping" in usage_error("--config", str(recipe))
