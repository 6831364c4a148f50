"""`swift sample`: N answers per prompt from the trained tiny model, scored by a reward (a plugin here), the best
kept as training rows; a too-easy prompt is dropped; engines that cannot run here are refused in one line."""
from __future__ import annotations

import json

from tests.conftest import swift

PLUGIN = '''
def says_name(completions, **kwargs):
    return [1.0 if "Yichui" in c or "小锤" in c else 0.0 for c in completions]
'''


def test_sample_keeps_the_best_answers(sft_adapter, tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(json.dumps({"messages": [{"role": "user", "content": "who are you?"}]}) + "\n"
                       + json.dumps({"query": "你是谁？"}) + "\n")
    plugin = tmp_path / "reward.py"
    plugin.write_text(PLUGIN)
    out = tmp_path / "samples"
    proc = swift("sample", "--adapters", sft_adapter, "--dataset", prompts, "--num_return_sequences", "16",
                 "--n_best_to_keep", "2", "--max_new_tokens", "16", "--temperature", "1.0",
                 "--orm_model", "says_name", "--external_plugins", plugin, "--output_dir", out,
                 "--output_file", "rft.jsonl")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "sampled 32 answers for 2 prompts" in proc.stdout
    rows = [json.loads(line) for line in (out / "rft.jsonl").read_text().splitlines()]
    assert 1 <= len(rows) <= 4
    for row in rows:
        assert row["messages"][-1]["role"] == "assistant" and row["messages"][-2]["role"] == "user"
        said = "Yichui" in row["messages"][-1]["content"] or "小锤" in row["messages"][-1]["content"]
        assert row["reward"] == (1.0 if said else 0.0)
    assert any(r["reward"] == 1.0 for r in rows)  # the adapter says its name in ~1 sample in 7 (16 per prompt)
    easy = swift("sample", "--adapters", sft_adapter, "--dataset", prompts, "--num_return_sequences", "4",
                 "--max_new_tokens", "16", "--orm_model", "says_name", "--external_plugins", plugin,
                 "--easy_query_threshold", "0.0", "--temperature", "0", "--output_dir", out, "--output_file", "e.jsonl")
    assert easy.returncode == 0, easy.stderr[-2000:]
    kept = [json.loads(line) for line in (out / "e.jsonl").read_text().splitlines()]
    assert all(r["reward"] == 0.0 for r in kept)  # prompts answered right at all were too easy: dropped


def test_engines_that_cannot_run_here_are_refused(tmp_path):
    for argv, want in ((["--sampler_engine", "vllm"], "--sampler_engine vllm: not available here"),
                       (["--prm_model", "Qwen/PRM"], "--prm_model Qwen/PRM: process reward models")):
        proc = swift("sample", "--model", tmp_path / "m", "--dataset", "x.jsonl", *argv,
                     "--output_dir", tmp_path / "o")
        assert proc.returncode == 3 and proc.stderr.strip().splitlines()[-1].startswith(f"error: {want}")
        assert not (tmp_path / "o").exists()
