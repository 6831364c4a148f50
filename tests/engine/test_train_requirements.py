"""What training refuses or translates before anything loads: ms-swift's --fsdp values, its --quant_method values."""
from __future__ import annotations

import pytest


def test_fsdp_takes_ms_swifts_preset_json_file_and_transformers_string(tmp_path):
    import json

    from swift_cli.engine.train import fsdp_kwargs

    assert fsdp_kwargs(None) == {} and fsdp_kwargs("fsdp2")["fsdp_config"]["fsdp_version"] == 2
    spec = tmp_path / "fsdp.json"
    spec.write_text(json.dumps({"_note": "x", "fsdp": "shard_grad_op auto_wrap", "fsdp_config": {"fsdp_version": 2}}))
    assert fsdp_kwargs(str(spec)) == {"fsdp": "shard_grad_op auto_wrap", "fsdp_config": {"fsdp_version": 2}}
    assert fsdp_kwargs("full_shard") == {"fsdp": "full_shard"}


@pytest.mark.parametrize("method", ["hqq", "eetq", "quanto", "fp8"])
def test_ms_swift_training_quant_methods_other_than_bnb_are_refused_with_the_reason(method):
    from swift_cli.commands.sft import SftConfig
    from swift_cli.engine.train import check_requirements
    from swift_cli.errors import RequirementError
    from swift_cli.options.parse import parse_command

    _, cfg = parse_command(SftConfig, ["--model", "m", "--dataset", "d", "--quant_method", method, "--quant_bits", "4"])
    with pytest.raises(RequirementError, match=f"^--quant_method {method}: .*; nearest here: --train_type lora"):
        check_requirements(cfg, "cpu")


def test_liger_kernel_is_refused_off_cuda_in_one_line():
    from swift_cli.commands.sft import SftConfig
    from swift_cli.engine.train import check_requirements
    from swift_cli.errors import RequirementError
    from swift_cli.options.parse import parse_command

    _, cfg = parse_command(SftConfig, ["--model", "m", "--dataset", "d", "--use_liger_kernel", "true"])
    with pytest.raises(RequirementError, match="^--use_liger_kernel true: Liger's Triton kernels run on CUDA GPUs"):
        check_requirements(cfg, "cpu")
    _, cfg = parse_command(SftConfig, ["--model", "m", "--dataset", "d"])
    check_requirements(cfg, "cpu")  # unset: nothing to refuse


def test_eval_strategy_without_validation_rows_is_one_line_unless_evalscope_scores(tmp_path):
    """ms-swift's examples/eval/train_eval/train.sh: --eval_strategy steps with no validation split, scored by
    EvalScope (it used to stop in transformers' ValueError)."""
    import torch

    from swift_cli.commands.sft import SftConfig
    from swift_cli.engine.train import trainer_kwargs
    from swift_cli.errors import UsageError
    from swift_cli.options.parse import parse_command

    base = ["--model", "m", "--dataset", "d", "--eval_strategy", "steps", "--eval_steps", "5"]
    _, cfg = parse_command(SftConfig, base)
    with pytest.raises(UsageError, match="^--eval_strategy steps: there are no validation rows"):
        trainer_kwargs(cfg, tmp_path, torch.float32, "cpu", has_eval=False)
    assert trainer_kwargs(cfg, tmp_path, torch.float32, "cpu", has_eval=True)["eval_strategy"] == "steps"
    _, cfg = parse_command(SftConfig, [*base, "--eval_use_evalscope", "true"])
    assert trainer_kwargs(cfg, tmp_path, torch.float32, "cpu", has_eval=False)["eval_strategy"] == "no"


def test_flash_attention_is_refused_in_one_line_off_cuda():
    """ms-swift's `--attn_impl flash_attn` (e.g. its examples/models/ovis2/train.sh) used to reach transformers'
    ImportError; sdpa and eager pass through, FlashAttention spelled ms-swift's way maps to transformers' name."""
    from swift_cli.commands.sft import SftConfig
    from swift_cli.engine.models import attn_implementation
    from swift_cli.engine.train import check_requirements
    from swift_cli.errors import RequirementError
    from swift_cli.options.parse import parse_command

    _, cfg = parse_command(SftConfig, ["--model", "m", "--dataset", "d", "--attn_impl", "flash_attn"])
    with pytest.raises(RequirementError, match="^--attn_impl flash_attn: FlashAttention kernels run on CUDA GPUs"):
        check_requirements(cfg, "cpu")
    assert attn_implementation("sdpa", "cpu") == "sdpa" and attn_implementation(None, "cpu") is None


@pytest.mark.parametrize(("command", "flags"), [("sft", ["--deepspeed", "zero2"]), ("rlhf", ["--fsdp", "fsdp2"])],
                         ids=["sft-deepspeed", "rlhf-fsdp"])
def test_gpu_sharding_is_refused_right_after_validation_before_torchrun(command, flags, tmp_path):
    """With NPROC_PER_NODE=2 the refusal comes once, from the launching process, before torchrun starts workers
    and before the model folder (which does not exist) or the data are read: only the device is asked."""
    from tests.conftest import swift

    rows = ["--rlhf_type", "dpo"] if command == "rlhf" else []
    proc = swift(command, "--model", tmp_path / "no-model", "--dataset", "self-cognition#4", *rows, *flags,
                 "--output_dir", tmp_path / "out", env={"NPROC_PER_NODE": "2"}, timeout=300)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == 3 and len(errors) == 1, proc.stderr[-2000:]
    assert "needs CUDA GPUs" in errors[0] or "FSDP shards the model over CUDA GPUs" in errors[0]
    assert "torchrun" not in proc.stderr.replace("NPROC_PER_NODE=N torchrun", "") and not (tmp_path / "out").exists()
