"""The planner keeps the user's word: options the user set are kept whatever their value (even a default), the
planner fills only the rest, and a run that cannot fit says so with the nearest change instead of swapping."""
from __future__ import annotations

import json
import time

from hardware import plan as planner
from hardware.memory import MemoryInputs, estimate
from hardware.spec import ModelSpec
from swift_cli.commands.plan import PlanConfig
from swift_cli.engine import planning
from swift_cli.options.declare import command_specs
from swift_cli.options.parse import parse_command
from swift_cli.options.render import command_config

QWEN7 = ["--model", "qwen2.5-7b-instruct"]  # the registry's recorded config.json: offline


def _plan(*argv: str, task: str = "sft"):
    _, cfg = parse_command(PlanConfig, [*QWEN7, *argv])
    return planning.make_plan(cfg, task)


def test_given_defaults_are_kept_through_the_cli(run_swift):
    """The issue's first example, as a user types it: LoRA, batch 1 and checkpointing on are defaults, and kept."""
    proc = run_swift("plan", *QWEN7, "--task", "sft", "--hardware", "a100-80g:1", "--train_type", "lora",
                     "--max_length", "2048", "--per_device_train_batch_size", "1", "--gradient_checkpointing", "true",
                     "--torch_dtype", "bfloat16", "--json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["train_type"] == "lora" and d["fits"]
    assert d["flags"]["per_device_train_batch_size"] == 1 and d["flags"]["gradient_checkpointing"] is True
    assert d["flags"]["max_length"] == 2048 and d["flags"]["torch_dtype"] == "bfloat16"
    assert not any("default" in n or "max_length" in n for n in d["notes"]), d["notes"]
    assert "--train_type lora" in d["command"] and "--gradient_checkpointing true" in d["command"]


def test_qlora_keeps_batch_and_only_fills_what_was_left_unset():
    p = _plan("--hardware", "a100-80g", "--train_type", "qlora", "--per_device_train_batch_size", "1")
    assert p.train_type == "qlora" and p.flags["train_type"] == "qlora"
    assert p.flags["per_device_train_batch_size"] == 1
    assert p.flags["gradient_accumulation_steps"] == 16          # filled: ms-swift's global batch 16
    assert any("max_length 2048: planner's choice" in n for n in p.notes)  # unset, and said so


def test_cpu_estimate_is_the_asked_batch_and_length():
    p = _plan("--hardware", "cpu", "--per_device_train_batch_size", "1", "--max_length", "128",
              "--train_type", "lora", "--gradient_checkpointing", "false")
    from swift_cli.registry.models import config_for, find_model

    spec = ModelSpec.from_config(config_for(find_model("qwen2.5-7b-instruct")))
    exact = estimate(spec, MemoryInputs(task="sft", train_type="lora", dtype="float32", batch_size=1, seq_len=128,
                                        device_kind="cpu", optimizer="adamw", fused_lm_head=True))
    assert p.peak_bytes == exact.peak_bytes


def test_does_not_fit_names_why_and_the_nearest_change():
    p = _plan("--hardware", "rtx4090", "--train_type", "full", "--per_device_train_batch_size", "4",
              "--gradient_checkpointing", "false", "--max_length", "1024")
    assert not p.fits
    assert p.flags["train_type"] == "full" and p.flags["per_device_train_batch_size"] == 4
    assert p.flags["gradient_checkpointing"] is False                 # kept, never swapped
    assert p.why_not.startswith("does not fit") and "--train_type" in p.why_not
    change = p.nearest_change
    assert change and change["flags"] and change["peak_bytes"] <= p.free_bytes
    assert any(n.startswith("nearest change that fits") for n in p.notes)
    # the suggested change really fits when applied
    argv = ["--hardware", "rtx4090", "--per_device_train_batch_size", "4", "--gradient_checkpointing", "false",
            "--max_length", "1024", "--train_type", "full"]
    for k, v in change["flags"].items():
        argv += [f"--{k}", str(v).lower() if isinstance(v, bool) else str(v)]
    assert _plan(*argv).fits


def test_preference_algorithms_without_reference_plan_less():
    dpo = _plan("--hardware", "a100-80g", "--train_type", "full", "--gradient_checkpointing", "true", task="dpo")
    _, cfg = parse_command(command_config("rlhf"), [*QWEN7, "--hardware", "a100-80g", "--train_type", "full",
                                                    "--rlhf_type", "orpo", "--gradient_checkpointing", "true"])
    orpo = planning.make_plan(cfg, "dpo")
    assert orpo.breakdown["reference_weights"] == 0 < dpo.breakdown["reference_weights"]
    assert orpo.flags["rlhf_type"] == "orpo"


def test_what_the_planner_is_sent_is_what_it_reads():
    sent = {*planning.PLANNER_KEYS, "task", "nproc_per_node"}   # task and processes: from the command, env
    assert sent <= set(planner.READS), sent - set(planner.READS)
    # ms-swift's flags without an option of ours (the "ms" group) are inert or refused, never planned
    options = {s.name for c in ("sft", "rlhf", "plan") for s in command_specs(command_config(c)) if s.group != "ms"}
    assert set(planner.READS) & options <= sent, (set(planner.READS) & options) - sent


def test_one_process_is_planned_for_a_run_without_nproc(monkeypatch):
    monkeypatch.delenv("NPROC_PER_NODE", raising=False)
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    _, cfg = parse_command(command_config("sft"), [*QWEN7, "--hardware", "a100-80g:8", "--dataset", "d.jsonl"])
    assert planning.make_plan(cfg, "sft", free=False).num_devices == 1
    monkeypatch.setenv("NPROC_PER_NODE", "4")
    assert planning.make_plan(cfg, "sft", free=False).num_devices == 4


def test_bad_template_and_deepspeed_fail_before_anything_heavy(run_swift, tmp_path):
    for flag, value in (("--template", "nope"), ("--deepspeed", "zero1")):
        start = time.perf_counter()
        proc = run_swift("sft", "--model", str(tmp_path / "no-such-model"), "--dataset", "self-cognition", flag, value,
                         "--output_dir", str(tmp_path / "out"))
        took = time.perf_counter() - start
        assert proc.returncode == 2 and proc.stderr.strip().splitlines()[-1].startswith(f"error: {flag} {value}")
        assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()
        assert took < 5, took   # well under 2 s on an idle machine; generous for a loaded CI box


def test_data_lengths_refine_the_estimate_but_not_the_flag():
    """Batches pad to their longest row: with the tokenized rows' lengths the estimate is made at that length
    (what a run measures), while --max_length stays the user's; packing fills every row, so it stays."""
    spec = planning.model_spec(parse_command(PlanConfig, QWEN7)[1])
    from hardware.profiles import builtin_profile

    # padding_free fixed: left unset, --max_length 114 would turn it on (4 x 114 lays out short) and 2048 would not
    w = {"task": "sft", "train_type": "lora", "max_length": 2048, "per_device_train_batch_size": 4,
         "gradient_checkpointing": True, "nproc_per_node": 1, "padding_free": False}
    gpu = builtin_profile("a100-80g")
    at_max = planner.make_plan(spec, gpu, w)
    short = planner.make_plan(spec, gpu, w, {"max_tokens": 114})
    at_114 = planner.make_plan(spec, gpu, {**w, "max_length": 114})
    assert short.flags["max_length"] == 2048 and short.peak_bytes == at_114.peak_bytes < at_max.peak_bytes
    packed = planner.make_plan(spec, gpu, {**w, "packing": True}, {"max_tokens": 114})
    assert packed.peak_bytes > short.peak_bytes
