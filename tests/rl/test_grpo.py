"""`swift rlhf --rlhf_type grpo`: the tiny model learns the <think>/<answer> format from the built-in `format` reward
(logged reward rises, held-out greedy answers switch to the format, KL stays bounded) with a plugin reward loaded
from a file beside it; --use_vllm on CPU says one line and generates with transformers."""
from __future__ import annotations

import json

from swift_cli.engine import runs
from tests.conftest import swift
from tests.rl.evaluate import greedy_rewards

PLUGIN = '''
def brevity(completions, solution, **kwargs):
    """A user reward reading a dataset column: 1 for answers that contain the solution, minus a length cost."""
    return [float(s in c) - len(c) / 200 for c, s in zip(completions, solution)]
'''

# Measured by this test (2026-12-02, load ~16 on 2 cores: 14 min with the warm start, ~2-3 min on idle cores): format
# reward 0.50 over the first two steps -> 1.00 over the last four, KL at most 0.83; held-out greedy answers in the
# format 0/16 -> 16/16 (the tiny model games it: '<think>1</think><answer></answer>'; its sums stay wrong).
STEPS = 24


def test_grpo_learns_the_format_with_a_plugin_reward(tiny_model, warm_adapter, format_task, tmp_path):
    plugin = tmp_path / "my_rewards.py"
    plugin.write_text(PLUGIN, encoding="utf-8")
    out = tmp_path / "grpo"
    proc = swift("rlhf", "--rlhf_type", "grpo", "--adapters", warm_adapter, "--dataset", format_task["prompts"],
                 "--reward_funcs", "format", "brevity", "--reward_weights", "1.0", "0.2",
                 "--external_plugins", plugin, "--num_generations", "4", "--per_device_train_batch_size", "8",
                 "--max_completion_length", "32", "--max_steps", str(STEPS), "--logging_steps", "1",
                 "--learning_rate", "1e-3", "--gradient_checkpointing", "false", "--save_steps", str(STEPS),
                 "--use_vllm", "true", "--report_to", "none", "--output_dir", out, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "--use_vllm needs a CUDA GPU" in proc.stderr  # one line, then transformers generates
    (run_dir,) = out.glob("v*")
    log = [r for r in runs.read_log(run_dir) if "rewards/format/mean" in r]
    assert len(log) == STEPS
    first = sum(r["rewards/format/mean"] for r in log[:2]) / 2
    last = sum(r["rewards/format/mean"] for r in log[-4:]) / 4
    assert last >= first + 0.3 and last >= 0.8, [r["rewards/format/mean"] for r in log]
    assert all(r["kl"] < 2.0 for r in log), [r["kl"] for r in log]           # bounded by beta 0.04
    for key in ("rewards/brevity/mean", "rewards/brevity/std", "reward_std", "completions/mean_length",
                "clip_ratio/region_mean", "time/generation_s", "step_time"):
        assert key in log[-1], key
    assert (run_dir / "rewards.png").is_file() and (run_dir / "loss.png").is_file()
    args = json.loads((run_dir / "args.json").read_text())
    assert args["rlhf_type"] == "grpo" and args["reward_funcs"] == ["format", "brevity"]

    before = greedy_rewards(tiny_model, warm_adapter, format_task["held"])
    after = greedy_rewards(tiny_model, runs.last_checkpoint(run_dir), format_task["held"])
    assert after["format"] >= before["format"] + 0.5, (before, after)


def _bad_run(tiny_model, format_task, tmp_path, plugin_text: str, reward: str):
    plugin = tmp_path / "bad_plugin.py"
    plugin.write_text(plugin_text, encoding="utf-8")
    out = tmp_path / "out"
    proc = swift("rlhf", "--rlhf_type", "grpo", "--model", tiny_model, "--dataset", format_task["prompts"],
                 "--reward_funcs", reward, "--external_plugins", plugin, "--num_generations", "2",
                 "--per_device_train_batch_size", "2", "--max_steps", "1", "--report_to", "none",
                 "--output_dir", out)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    return proc, lines, out


def test_plugin_without_the_named_function(tiny_model, format_task, tmp_path):
    proc, lines, out = _bad_run(tiny_model, format_task, tmp_path, "def other(completions, **kw):\n    return []\n",
                                "missing_fn")
    assert proc.returncode == 2
    assert lines[-1].startswith("error: --reward_funcs missing_fn: no such reward in"), lines[-1]
    assert "Traceback" not in proc.stderr and not out.exists()


def test_plugin_that_raises(tiny_model, format_task, tmp_path):
    proc, lines, out = _bad_run(tiny_model, format_task, tmp_path,
                                "def boom(completions, **kw):\n    raise KeyError('score_column')\n", "boom")
    assert proc.returncode == 2
    assert "reward function 'boom' raised KeyError" in lines[-1] and "bad_plugin.py" in lines[-1], lines[-1]
    assert "Traceback" not in proc.stderr and not out.exists()


def test_plugin_that_raises_during_training_leaves_no_run_folder(tiny_model, format_task, tmp_path):
    source = ("def picky(completions, **kw):\n    if any(completions):\n        raise ValueError('cannot parse')\n"
              "    return [0.0] * len(completions)\n")  # passes the empty-completion probe, fails on real rollouts
    proc, lines, out = _bad_run(tiny_model, format_task, tmp_path, source, "picky")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "reward function 'picky' raised ValueError: cannot parse" in lines[-1], lines[-1]
    assert "Traceback" not in proc.stderr and not list(out.glob("v*"))
