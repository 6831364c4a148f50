"""Scoring during training (`swift sft --eval_use_evalscope true`, ms-swift's spelling) and `swift plan --task eval`."""
from __future__ import annotations

import json

from tests.conftest import swift


def test_sft_scores_each_saved_checkpoint_into_logging_jsonl(tiny_model, tmp_path):
    out = tmp_path / "out"
    proc = swift("sft", "--model", tiny_model, "--dataset", "self-cognition#16", "--model_name", "Yichui",
                 "--model_author", "Seed", "--train_type", "lora", "--max_steps", "2", "--save_steps", "2",
                 "--report_to", "tensorboard", "--output_dir", out, "--eval_use_evalscope", "true",
                 "--eval_dataset", "yichui_mcq", "--eval_limit", "2", "--eval_generation_config",
                 '{"max_tokens": 4}', timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = out.glob("v*")
    records = [json.loads(line) for line in (run / "logging.jsonl").read_text().splitlines()]
    scored = [r for r in records if "evalscope/yichui_mcq" in r]
    assert [r["step"] for r in scored] == [0, 2]  # step 0: the base model before training (the "before")
    for record, label in zip(scored, ("base", "checkpoint-2")):
        (report,) = (run / "evalscope_eval" / label).glob("*/eval_report.json")
        (model,) = json.loads(report.read_text())["models"].values()
        assert model["yichui_mcq"]["n"] == 4 and record["evalscope/yichui_mcq"] == model["yichui_mcq"]["score"]
        assert f"{label} scored: yichui_mcq" in proc.stdout
    assert list((run / "runs" / "evalscope").glob("events.out.tfevents.*"))  # the same scores in TensorBoard
    from swift_cli.engine.eval.results import (
        training_scores,  # what the wizard's report tabulates
    )

    assert training_scores(run) == (["yichui_mcq"], [[r["step"], r["evalscope/yichui_mcq"]] for r in scored])


def test_plan_task_eval_is_inference_memory_of_the_served_batch(tiny_model):
    def plan(*extra):
        proc = swift("plan", "--task", "eval", "--model", tiny_model, "--json", *extra)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    short, long = plan(), plan("--max_length", "4096")
    assert short["task"] == "eval" and short["flags"]["eval_num_proc"] == 8
    assert short["breakdown"]["kv_cache"] > 0 and short["breakdown"]["gradients"] == 0
    assert long["breakdown"]["kv_cache"] > short["breakdown"]["kv_cache"]
    assert short["command"].startswith("swift eval --model")
