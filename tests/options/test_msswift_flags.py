"""Every flag of ms-swift's argument classes is known on each command that accepts it there: it parses, then
either runs (ours, or a TrainingArguments field passed to the trainer), is refused in one line naming why and what
would run it, or is accepted with a note that it has no effect here. Never "unknown option"."""
from __future__ import annotations

import pytest

from swift_cli.errors import RequirementError
from swift_cli.options import compat
from swift_cli.options.parse import parse_command
from swift_cli.options.render import command_config

SAMPLE = {"bool": "true", "int": "3", "float": "0.5", "str": "x", "list": "a"}
COMMANDS = ("sft", "pt", "rlhf", "infer", "deploy", "eval", "export", "rollout")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_ms_swift_flag_of_the_command_parses(command):
    flags = compat.ms_flags(command)
    assert len(flags) > 100
    cls = command_config(command)
    unknown = []
    for name, (kind, _) in flags.items():
        try:
            parse_command(cls, [f"--{name}", SAMPLE[kind]], positionals_allowed=True)
        except Exception as exc:  # noqa: BLE001 - collected and shown below
            if "unknown option" in str(exc):
                unknown.append(name)
    assert not unknown, unknown


def test_a_flag_that_cannot_run_here_is_refused_in_one_line():
    _, cfg = parse_command(command_config("rlhf"), ["--rlhf_type", "grpo", "--sleep_level", "1"])
    with pytest.raises(RequirementError) as err:
        compat.check(cfg, "rlhf")
    msg = str(err.value)
    assert msg == "--sleep_level 1: vLLM's sleep mode runs on CUDA GPUs only; it runs on a CUDA machine with the " \
                  "'vllm' extra"
    _, cfg = parse_command(command_config("infer"), ["--infer_backend", "sglang"])
    with pytest.raises(RequirementError, match="--infer_backend sglang: SGLang is not installable here"):
        compat.check(cfg, "infer")
    _, cfg = parse_command(command_config("sft"), ["--sequence_parallel_size", "1"])  # the default: runs
    compat.check(cfg, "sft")


def test_an_inert_flag_says_so_and_a_trainer_field_passes_through(capsys):
    argv = ["--load_from_cache_file", "true", "--dataloader_drop_last", "true", "--lr_scheduler_kwargs",
            '{"min_lr": 0.0}']
    _, cfg = parse_command(command_config("sft"), argv)
    compat.check(cfg, "sft")
    err = capsys.readouterr().err
    assert "note: --load_from_cache_file: ms-swift flag accepted; no effect in yichui's `swift sft` yet" in err
    assert "dataloader_drop_last" not in err
    assert compat.trainer_fields(cfg) == {"dataloader_drop_last": True, "lr_scheduler_kwargs": {"min_lr": 0.0}}


def test_positional_yaml_is_the_same_as_config(tmp_path):
    recipe = tmp_path / "sft.yaml"
    recipe.write_text("model: Qwen/Qwen2.5-0.5B-Instruct\ndataset: [a.jsonl]\nlora_rank: 16\n"
                      "load_from_cache_file: true\n")
    cls = command_config("sft")
    _, by_position = parse_command(cls, [str(recipe), "--max_steps", "5"])
    _, by_flag = parse_command(cls, ["--config", str(recipe), "--max_steps", "5"])
    assert by_position == by_flag and by_position.tuner.lora_rank == 16 and by_position.train.max_steps == 5


@pytest.mark.parametrize("method", ["fp8", "gptq_v2"])
def test_export_quant_methods_that_need_cuda_are_refused_in_one_line(method, tmp_path):
    from swift_cli.commands import export

    with pytest.raises(RequirementError, match=f"^--quant_method {method}: .*CUDA.*; here: --quant_method gptq/awq"):
        export.main(["--model", str(tmp_path), "--quant_method", method, "--output_dir", str(tmp_path / "q")])
    assert not (tmp_path / "q").exists()
