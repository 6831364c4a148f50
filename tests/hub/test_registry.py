"""The model and dataset registries: `swift list`, planning from a registry name offline, and
`--dataset NAME#N` resolving to its hub id (through the STAND-IN hub, and offline)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from swift_cli.registry.datasets import DATASETS, find_dataset, map_row
from swift_cli.registry.models import MODELS, config_for, find_model
from tests.conftest import REPO, swift
from tests.hub.conftest import DATASET_ID
from tests.hub.standin_hub import closed_port_url


def test_model_registry_shapes_reproduce_published_parameter_counts():
    from hardware.spec import ModelSpec

    assert len(MODELS) >= 40 and len({m.key for m in MODELS}) == len(MODELS)
    families = {m.arch for m in MODELS}
    assert {"qwen2", "qwen3", "llama", "internlm2", "glm4", "mistral", "qwen2_vl"} <= families
    for m in MODELS:
        assert m.ms_id and m.ms_id.count("/") == 1 and m.hf_id and m.hf_id.count("/") == 1, m.key
        if m.kind == "vision":          # the planner counts the language decoder, not the vision tower
            continue
        counted = ModelSpec.from_config(config_for(m)).params_total / 1e9
        assert counted == pytest.approx(m.params_b, rel=0.03), m.key


def test_find_model_by_key_or_either_hub_id():
    assert find_model("Qwen2.5-7B-Instruct".lower()).params_b == 7.62
    assert find_model("meta-llama/Llama-3.1-8B-Instruct").ms_id == "LLM-Research/Meta-Llama-3.1-8B-Instruct"
    assert find_model("no-such-model") is None


def test_dataset_registry_maps_columns_to_our_formats():
    from swift_cli.engine.data.formats import to_messages
    from swift_cli.engine.data.preferences import to_pair

    assert len(DATASETS) >= 20
    assert to_messages(map_row(find_dataset("gsm8k"), {"question": "1+1?", "answer": "2"}))[-1]["content"] == "2"
    dolly = map_row(find_dataset("dolly-15k"), {"instruction": "Sum", "context": "1 1", "response": "2"})
    assert to_messages(dolly)[-1]["content"] == "2" and "1 1" in to_messages(dolly)[0]["content"]
    hh = map_row(find_dataset("hh-rlhf-helpful"), {"chosen": "\n\nHuman: hi\n\nAssistant: hello!",
                                                   "rejected": "\n\nHuman: hi\n\nAssistant: go away"})
    pref = to_pair(hh)
    assert pref["prompt"][-1]["content"] == "hi"


def test_list_models_and_datasets_json_and_table():
    proc = swift("list", "models", "--json")
    assert proc.returncode == 0 and len(json.loads(proc.stdout)) == len(MODELS)
    proc = swift("list", "datasets", "--kind", "preference", "--json")
    assert {d["key"] for d in json.loads(proc.stdout)} >= {"orca-dpo-pairs", "ultrafeedback-binarized"}
    proc = swift("list", "models", "--search", "r1-distill")
    assert proc.returncode == 0 and "6 models" in proc.stdout
    assert "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B" in proc.stdout and "qwen2.5-7b" not in proc.stdout
    proc = swift("list", "gpus")
    assert proc.returncode == 2 and "models or swift list datasets" in proc.stderr


def test_plan_from_a_registry_name_works_offline(tmp_path):
    env = {"HF_HUB_OFFLINE": "1", "MODELSCOPE_CACHE": str(tmp_path), "HF_HOME": str(tmp_path)}
    proc = swift("plan", "--model", "qwen2.5-7b-instruct", "--hardware", "a100-80g", "--json", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    plan = json.loads(proc.stdout.strip().splitlines()[-1])
    assert plan["params_total"] == pytest.approx(7.62e9, rel=0.01)


def test_registry_dataset_name_resolves_to_hub_id_and_maps_rows(standin, hf_env):
    """A registry entry pointed at the stand-in's dataset: rows come back mapped, held-out files skipped."""
    script = f"""
import dataclasses, json
import swift_cli.registry.datasets as reg
entry = dataclasses.replace(reg.find_dataset("dolly-15k"), key="standin-sums", hf_id="{DATASET_ID}",
                            columns={{"instruction": "query", "output": "response"}})
reg.DATASETS = (*reg.DATASETS, entry)
from swift_cli.engine.data.sources import load_rows
rows = load_rows("standin-sums#5", model_name=[], model_author=[], seed=1, use_hf=True)
print(json.dumps([r.data for r in rows]))
"""
    import os

    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **hf_env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(rows) == 5 and all(set(r) >= {"query", "response"} and "plus" in r["query"] for r in rows)
    assert any(p.startswith(f"/datasets/{DATASET_ID}/resolve/") for _, p, _ in standin.requests)


def test_registry_dataset_offline_names_the_resolved_hub_id(tiny_model, tmp_path):
    env = {"MODELSCOPE_DOMAIN": closed_port_url().removeprefix("http://"), "MODELSCOPE_CACHE": str(tmp_path)}
    proc = swift("sft", "--model", tiny_model, "--dataset", "alpaca-zh#500", "--max_steps", "1",
                 "--output_dir", tmp_path / "out", env=env, timeout=300)
    assert proc.returncode == 4
    (line,) = [ln for ln in proc.stderr.strip().splitlines() if ln.startswith("error:")]
    assert "alpaca-zh" in line and "AI-ModelScope/alpaca-gpt4-data-zh" in line and "ModelScope" in line
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("v*/checkpoint-*"))
