"""Contract between the planner and the trainer: for every built-in profile × task × method the planner may
choose, the plan's command passes the command's own parsing, validation and device requirement checks for that
profile (the GPU/NPU side is the rules' verdict, since no accelerator exists here). Pure, in-process."""
from __future__ import annotations

import shlex

from hardware.profiles import builtin_profile, list_profiles
from hardware.rules import bnb_trains, training_refusals
from swift_cli.commands.rlhf import validate as validate_rlhf
from swift_cli.commands.sft import validate as validate_sft
from swift_cli.engine.planning import command_line, make_plan
from swift_cli.options.parse import parse_command
from swift_cli.options.render import command_config

TASKS = ("sft", "pt", "dpo", "orpo", "kto", "simpo", "cpo")
MODELS = ("qwen2.5-7b-instruct",)  # big enough that methods, sharding and offload all come up


def _cases():
    for prof in list_profiles():
        kind = prof["accelerator"]
        for n in sorted({1, min(8, prof["max_devices"])}):
            for task in TASKS:
                for method in [None, "full", "lora", "dora"] + (["qlora"] if bnb_trains(kind) else []):
                    yield f"{prof['name']}:{n}", kind, task, method


def test_every_plan_is_a_command_that_trains_on_its_profile():
    checked, methods_seen, deepspeed_seen = 0, set(), set()
    for model in MODELS:
        for hardware, kind, task, method in _cases():
            command = {"sft": "sft", "pt": "pt"}.get(task, "rlhf")
            cls = command_config(command)
            argv = ["--model", model, "--dataset", "data.jsonl", "--hardware", hardware]
            argv += ["--train_type", method] if method else []
            argv += ["--rlhf_type", task] if command == "rlhf" else []
            _, cfg = parse_command(cls, argv)
            plan_task = "dpo" if command == "rlhf" else task
            plan = make_plan(cfg, plan_task)            # free: the planner fills what was not set
            if method:
                assert plan.train_type == method, (hardware, task, method, plan.train_type)
            line = command_line(cfg, plan_task, plan)
            tokens = shlex.split(line)
            if tokens[0].startswith("NPROC_PER_NODE="):
                n = int(tokens.pop(0).split("=")[1])
                assert 1 < n <= builtin_profile(hardware).device_count, line
            assert tokens[1] == command and (command != "rlhf" or tokens[2:4] == ["--rlhf_type", task]), line
            _, run_cfg = parse_command(cls, tokens[2:])
            problems = validate_sft(run_cfg) if command != "rlhf" else validate_rlhf(run_cfg)
            assert problems == [], (line, problems)
            t = run_cfg.train
            refusals = training_refusals(kind, run_cfg.tuner.train_type, run_cfg.tuner.quant_bits, t.deepspeed)
            assert refusals == [], (hardware, line, refusals)
            methods_seen.add(plan.train_type)
            deepspeed_seen.add(t.deepspeed)
            checked += 1
    assert {"full", "lora", "dora", "qlora"} <= methods_seen
    assert {"zero2", "zero3"} & deepspeed_seen          # the multi-GPU plans do shard
    assert checked > 800, checked


def test_rules_refuse_what_training_refuses():
    assert training_refusals("npu", "lora", None, "zero3_offload")     # DeepSpeed training is CUDA-only
    assert training_refusals("cuda", "lora", None, "zero1")            # training builds no zero1 config
    assert training_refusals("cpu", "qlora", None, None)               # bnb trains on CUDA only
    assert training_refusals("cuda", "qlora", 4, "zero3") == []
    assert "--fsdp fsdp2: FSDP shards" in training_refusals("cpu", "lora", None, None, "fsdp2")[0]
    assert training_refusals("cuda", "lora", None, None, "fsdp2") == []
