"""The RL options' checks (pure): ms-swift defaults filled only where unset, one line per problem."""
from __future__ import annotations

from swift_cli.commands.rlhf import RlhfConfig, validate
from swift_cli.options import rl
from swift_cli.options.parse import parse_command


def _cfg(*argv):
    _, cfg = parse_command(RlhfConfig, ["--model", "m", "--dataset", "d.jsonl", *argv])
    return rl.fill_defaults(cfg)


def test_defaults_and_problems():
    cfg = _cfg("--rlhf_type", "grpo", "--reward_funcs", "format")
    assert cfg.train.per_device_train_batch_size == 8 and rl.beta_for(cfg.rlhf) == 0.04 and validate(cfg) == []
    kept = _cfg("--rlhf_type", "grpo", "--reward_funcs", "format", "--per_device_train_batch_size", "6",
                "--num_generations", "4")
    assert kept.train.per_device_train_batch_size == 6
    assert any("must be a multiple of --num_generations (4)" in p for p in validate(kept))
    assert rl.beta_for(_cfg().rlhf) == 0.1 and rl.beta_for(_cfg("--rlhf_type", "gkd").rlhf) == 0.5
    problems = validate(_cfg("--rlhf_type", "grpo", "--reward_weights", "1", "2", "--num_generations", "1",
                             "--external_plugins", "/nonexistent.py"))
    for expected in ("needs --reward_funcs", "--reward_weights has 2 value(s) for 0 reward(s)",
                     "--num_generations must be at least 2", "--external_plugins /nonexistent.py: no such file"):
        assert any(expected in p for p in problems), (expected, problems)
    assert any("needs --teacher_model" in p for p in validate(_cfg("--rlhf_type", "gkd")))
    assert any("needs --reward_model" in p for p in validate(_cfg("--rlhf_type", "ppo")))
    assert any("apply to --rlhf_type grpo" in p for p in validate(_cfg("--reward_funcs", "format")))
