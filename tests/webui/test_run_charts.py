"""Reward and eval series on the run page: logging.jsonl written by our trainer's own callback
(swift_cli/engine/callbacks.JsonlLogger, fed the metric names trl's GRPO and DPO trainers log) reaches the event
stream the loss chart reads, the job API and the page's chart boxes; the timing and spread figures stay out."""
from __future__ import annotations

import json
import os
import re
import time

from transformers import TrainerState

from swift_cli.engine.callbacks import JsonlLogger

GRPO_LOGS = [  # what trl's GRPOTrainer logs per step (rewards/<function>/mean|std, their sum `reward`), then an eval
    {"loss": 0.012, "grad_norm": 0.8, "learning_rate": 1e-5, "num_tokens": 640.0, "completions/mean_length": 31.5,
     "rewards/accuracy/mean": 0.25, "rewards/accuracy/std": 0.43, "rewards/format/mean": 0.5,
     "rewards/format/std": 0.5, "reward": 0.75, "reward_std": 0.6, "frac_reward_zero_std": 0.0, "kl": 0.0,
     "epoch": 0.5},
    {"loss": 0.010, "grad_norm": 0.7, "learning_rate": 5e-6, "num_tokens": 1280.0, "completions/mean_length": 30.0,
     "rewards/accuracy/mean": 0.5, "rewards/accuracy/std": 0.5, "rewards/format/mean": 0.75,
     "rewards/format/std": 0.43, "reward": 1.25, "reward_std": 0.5, "frac_reward_zero_std": 0.0, "kl": 0.002,
     "epoch": 1.0},
    {"eval_loss": 0.02, "eval_reward": 1.0, "eval_runtime": 3.2, "eval_samples_per_second": 2.5,
     "eval_steps_per_second": 0.6, "epoch": 1.0},
]
DPO_LOGS = [
    {"loss": 0.69, "grad_norm": 1.1, "learning_rate": 1e-5, "rewards/chosen": 0.01, "rewards/rejected": -0.02,
     "rewards/accuracies": 0.5, "rewards/margins": 0.03, "logps/chosen": -40.0, "logps/rejected": -42.0,
     "epoch": 0.5},
    {"loss": 0.60, "grad_norm": 1.0, "learning_rate": 5e-6, "rewards/chosen": 0.2, "rewards/rejected": -0.3,
     "rewards/accuracies": 1.0, "rewards/margins": 0.5, "logps/chosen": -38.0, "logps/rejected": -45.0,
     "epoch": 1.0},
    {"eval_loss": 0.58, "eval_rewards/margins": 0.4, "eval_rewards/accuracies": 1.0, "eval_runtime": 1.0,
     "eval_samples_per_second": 4.0, "eval_steps_per_second": 1.0, "epoch": 1.0},
]


def _trained_run(store, argv: list[str], logs: list[dict], running: bool = False) -> int:
    """A finished job (or, `running`, one still running as this process) whose run folder's logging.jsonl our
    trainer callback wrote, one on_log per step."""
    job_id = store.table.insert("t", argv[0], argv, "running" if running else "done")
    run = store.root / "jobs" / str(job_id) / "output" / "v0-20260101-000000"
    run.mkdir(parents=True)
    logger, state = JsonlLogger(run / "logging.jsonl"), TrainerState(max_steps=2)
    for i, logs in enumerate(logs):
        state.global_step = min(i + 1, 2)
        logger.on_log(None, state, None, logs=dict(logs))
    if running:
        store.table.update(job_id, job_dir=str(run.parents[1]), started=time.time() - 5, pid=os.getpid())
    else:
        store.table.update(job_id, job_dir=str(run.parents[1]), started=time.time() - 5, ended=time.time(),
                           exit_code=0)
    return job_id


def _box_keys(page: str, box: str) -> tuple[set[str], bool]:
    m = re.search(rf'<div id="{box}" data-keys="([^"]*)"( hidden)?>', page)
    return set(m.group(1).split()), bool(m.group(2))


def test_grpo_rewards_and_eval_reach_the_stream_api_and_page(make_client):
    client, console = make_client(lang="en")
    job_id = _trained_run(console.store, ["rlhf", "--rlhf_type", "grpo", "--model", "m"], GRPO_LOGS)

    stream = client.get(f"/jobs/{job_id}/events").text           # what the loss chart's EventSource reads
    sent = [json.loads(line[6:]) for line in stream.splitlines() if line.startswith("data: {") and '"step"' in line]
    assert [r["reward"] for r in sent if "reward" in r] == [0.75, 1.25]
    assert [r["rewards/accuracy/mean"] for r in sent if "loss" in r] == [0.25, 0.5]
    assert [(r["step"], r["eval_loss"]) for r in sent if "eval_loss" in r] == [(2, 0.02)]

    view = client.get(f"/api/jobs/{job_id}").json()
    assert view["rewards"] == {"rewards/accuracy/mean": [[1, 0.25], [2, 0.5]], "rewards/format/mean": [[1, 0.5],
                               [2, 0.75]], "reward": [[1, 0.75], [2, 1.25]]}          # no /std, no reward_std
    assert view["evals"] == {"eval_loss": [[2, 0.02]], "eval_reward": [[2, 1.0]]}      # no eval timing
    assert view["curve"] == [[1, 0.012], [2, 0.01]]                                    # the loss chart is unchanged

    page = client.get(f"/jobs/{job_id}").text
    assert _box_keys(page, "reward-box") == ({"rewards/accuracy/mean", "rewards/format/mean", "reward"}, False)
    assert _box_keys(page, "eval-box") == ({"eval_loss", "eval_reward"}, False)
    assert '<canvas id="rewards"' in page and '<canvas id="evals"' in page


def test_dpo_rewards_and_eval_series(make_client):
    client, console = make_client(lang="zh")
    job_id = _trained_run(console.store, ["rlhf", "--rlhf_type", "dpo", "--model", "m"], DPO_LOGS)
    view = client.get(f"/api/jobs/{job_id}").json()
    assert view["rewards"]["rewards/margins"] == [[1, 0.03], [2, 0.5]]
    assert set(view["rewards"]) == {"rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins"}
    assert set(view["evals"]) == {"eval_loss", "eval_rewards/margins", "eval_rewards/accuracies"}
    page = client.get(f"/jobs/{job_id}").text
    assert "奖励（强化学习）" in page and _box_keys(page, "reward-box")[1] is False


def test_sft_run_without_rewards_keeps_the_boxes_hidden(make_client):
    client, console = make_client(lang="en")
    job_id = _trained_run(console.store, ["sft", "--model", "m"], [{"loss": 2.0, "learning_rate": 1e-4}] * 2)
    page = client.get(f"/jobs/{job_id}").text
    assert _box_keys(page, "reward-box") == (set(), True) and _box_keys(page, "eval-box") == (set(), True)
    assert client.get(f"/api/jobs/{job_id}").json()["rewards"] == {}
