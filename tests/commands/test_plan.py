"""`swift plan`, `swift sft --dry_run`, `swift doctor`: the CLI face of the planner (pure parts: tests/hardware)."""
from __future__ import annotations

import json

from tests.conftest import swift

QWEN25_7B = {  # config.json of Qwen2.5-7B-Instruct (architecture fields only)
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944,
    "num_hidden_layers": 28, "num_attention_heads": 28, "num_key_value_heads": 4, "vocab_size": 152064,
    "max_position_embeddings": 32768, "tie_word_embeddings": False, "torch_dtype": "bfloat16", "rms_norm_eps": 1e-6,
}


def test_plan_json_for_a_config_only_dir_on_a_named_profile(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(QWEN25_7B))
    proc = swift("plan", "--model", tmp_path, "--hardware", "rtx4090", "--json")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    for key in ("params_total", "params_trainable", "peak_bytes", "breakdown", "free_bytes", "fits", "flags",
                "command", "notes"):
        assert key in plan, key
    assert 7.0e9 < plan["params_total"] < 8.0e9
    assert plan["fits"] is True and plan["flags"]["train_type"] in ("lora", "qlora")
    assert plan["peak_bytes"] <= plan["free_bytes"]
    assert plan["command"].startswith("swift sft --model")


def test_plan_exits_0_when_it_does_not_fit_and_says_so(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(QWEN25_7B))
    proc = swift("plan", "--model", tmp_path, "--hardware", "t4", "--train_type", "full", "--json")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["fits"] is False and plan["flags"]["train_type"] == "full" and plan["notes"]


def test_unknown_profile_is_a_usage_error(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(QWEN25_7B))
    proc = swift("plan", "--model", tmp_path, "--hardware", "quantum-9000")
    assert proc.returncode == 2 and "--hardware quantum-9000" in proc.stderr and "Traceback" not in proc.stderr


def test_sft_dry_run_shows_this_runs_flags_and_writes_nothing(tiny_model, tmp_path):
    proc = swift("sft", "--model", tiny_model, "--dataset", "self-cognition", "--dry_run", "--output_dir",
                 tmp_path / "out", "--lora_rank", "16")
    assert proc.returncode == 0, proc.stderr
    assert "--train_type lora" in proc.stdout and "--lora_rank 16" in proc.stdout
    assert not (tmp_path / "out").exists()


def test_doctor_reports_each_check_offline():
    proc = swift("doctor", "--network", "false", "--json")
    checks = [json.loads(line) for line in proc.stdout.splitlines()]
    names = {c["name"] for c in checks}
    assert {"python", "torch", "disk space", "engines"} <= names
    assert proc.returncode == (0 if all(c["ok"] for c in checks) else 1)


def test_the_plans_command_is_accepted_by_swift_sft(tmp_path):
    """The derived flags use our own option names, so the printed command runs as printed."""
    import shlex

    from swift_cli.commands.sft import SftConfig
    from swift_cli.options.parse import parse_command

    config = dict(QWEN25_7B, hidden_size=8192, intermediate_size=29568, num_hidden_layers=80,
                  num_attention_heads=64, num_key_value_heads=8)  # Qwen2.5-72B
    (tmp_path / "config.json").write_text(json.dumps(config))
    for hardware in ("a100-80g:2", "rtx4090", "h100:8"):
        plan = json.loads(swift("plan", "--model", tmp_path, "--hardware", hardware, "--json").stdout)
        words = shlex.split(plan["command"])
        words = words[1:] if words[0].startswith("NPROC_PER_NODE=") else words
        assert words[:2] == ["swift", "sft"]
        _, cfg = parse_command(SftConfig, words[2:])
        assert cfg.tuner.lora_rank == plan["flags"].get("lora_rank", 8)
