"""`swift download` through the REAL clients pointed at a local STAND-IN hub: huggingface_hub via HF_ENDPOINT,
modelscope (modelscope_hub underneath) via MODELSCOPE_ENDPOINT (MODELSCOPE_DOMAIN forces https://, the
newer variable takes a full URL)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import swift
from tests.hub.conftest import DATASET_ID, REPO_ID
from tests.hub.standin_hub import closed_port_url


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_full_download_from_standin_matches_every_file(standin, hf_env, hub_model):
    proc = swift("download", "--model", REPO_ID, "--use_hf", "true", "--json", "true", env=hf_env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    files = sorted(p.name for p in hub_model.iterdir())
    assert out["verified"] == len(files) == out["files"]
    for name in files:
        assert _sha(hub_model / name) == _sha(Path(out["path"]) / name)


def test_resume_after_connection_cut_resends_less_than_the_file(standin, hf_env, hub_model):
    size = (hub_model / "model.safetensors").stat().st_size
    standin.cut["model.safetensors"] = 12_000_000   # drop the connection after 12 MB of ~17.6 MB
    proc = swift("download", "--model", REPO_ID, "--use_hf", "true", "--json", "true", env=hf_env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ranged = [r for m, p, r in standin.requests if p.endswith("/model.safetensors") and m == "GET" and r]
    assert len(ranged) == 1, standin.requests
    start = int(ranged[0].split("=")[1].rstrip("-"))
    resent = standin.sent["model.safetensors"] - 12_000_000
    assert 0 < resent == size - start < size            # the resume re-sent only the tail
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert _sha(hub_model / "model.safetensors") == _sha(Path(out["path"]) / "model.safetensors")
    print(f"\nFIGURE resume: file {size} B, cut at 12000000 B, Range from {start} B, re-sent {resent} B "
          f"({resent / size:.0%} of the file)")


def test_corrupted_file_is_caught_removed_and_refetched(standin, hf_env):
    standin.corrupt.add("model.safetensors")     # same size, one byte flipped, true sha256 advertised
    proc = swift("download", "--model", REPO_ID, "--use_hf", "true", env=hf_env)
    assert proc.returncode == 4
    line = proc.stderr.strip().splitlines()[-1]
    assert "corrupt download" in line and "model.safetensors: sha256" in line and "Traceback" not in proc.stderr
    standin.corrupt.clear()                       # the hub is healthy again: the next run re-fetches and passes
    proc = swift("download", "--model", REPO_ID, "--use_hf", "true", env=hf_env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "6 files verified" in proc.stdout


def test_small_file_corruption_caught_by_git_hash(standin, hf_env):
    standin.corrupt.add("config.json")          # non-LFS file: checked against its git blob sha1
    proc = swift("download", "--model", REPO_ID, "--use_hf", "true", "--include", "*.json", env=hf_env)
    assert proc.returncode == 4 and "config.json: git sha1" in proc.stderr


def test_include_exclude_and_local_dir(standin, hf_env, tmp_path):
    dest = tmp_path / "only-json"
    proc = swift("download", "--model", REPO_ID, "--use_hf", "true", "--include", "*.json", "--exclude",
                 "generation_config.json", "--local_dir", dest, env=hf_env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = sorted(p.name for p in dest.iterdir() if p.is_file())
    assert got == ["config.json", "tokenizer.json", "tokenizer_config.json"]
    assert "model.safetensors" not in standin.sent


def test_dataset_download_and_registry_style_dataset_flag(standin, hf_env):
    proc = swift("download", "--dataset", DATASET_ID, "--use_hf", "true", "--json", "true", env=hf_env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1])["files"] == 3
    assert any(p.startswith("/datasets/") for _, p, _ in standin.requests)


def test_offline_and_unknown_id_give_one_line_naming_hub_id_and_cache(standin, hf_env, tmp_path):
    offline = {**hf_env, "HF_ENDPOINT": closed_port_url()}
    proc = swift("download", "--model", REPO_ID, "--use_hf", "true", env=offline)
    assert proc.returncode == 4 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert f"'{REPO_ID}'" in line and "Hugging Face" in line and str(tmp_path / "hf_home") in line
    assert "offline" in line
    proc = swift("download", "--model", "nobody/no-such-model", "--use_hf", "true", env=hf_env)
    (line,) = proc.stderr.strip().splitlines()
    assert proc.returncode == 4 and "no such repository" in line and "nobody/no-such-model" in line


def test_token_is_sent_but_never_printed(standin, hf_env):
    secret = "hf_standinSECRETtoken123"
    proc = swift("download", "--model", "nobody/missing", "--use_hf", "true", "--hub_token", secret, env=hf_env)
    assert proc.returncode == 4 and secret not in proc.stdout + proc.stderr


def test_modelscope_offline_error_names_hub_id_and_cache(tmp_path):
    env = {"MODELSCOPE_DOMAIN": closed_port_url().removeprefix("http://"), "MODELSCOPE_CACHE": str(tmp_path / "ms")}
    proc = swift("download", "--model", "qwen2.5-0.5b-instruct", env=env, timeout=180)
    assert proc.returncode == 4, proc.stderr[-2000:]
    line = proc.stderr.strip().splitlines()[-1]
    assert "'Qwen/Qwen2.5-0.5B-Instruct'" in line and "ModelScope" in line and str(tmp_path / "ms") in line


def test_sft_on_a_hub_id_downloads_through_the_same_path(standin, hf_env, tmp_path):
    proc = swift("sft", "--model", REPO_ID, "--use_hf", "true", "--dataset", "self-cognition#16", "--max_steps", "2",
                 "--save_steps", "2", "--report_to", "none", "--output_dir", tmp_path / "out", env=hf_env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list((tmp_path / "out").glob("v*/checkpoint-2/adapter_model.safetensors"))
    assert standin.sent["model.safetensors"] > 0


@pytest.fixture
def ms_env(standin, tmp_path):
    """Environment pointing the real modelscope client at the stand-in, with an empty cache."""
    return {"MODELSCOPE_ENDPOINT": standin.url, "MODELSCOPE_CACHE": str(tmp_path / "ms_cache")}


def test_modelscope_full_download_and_resume_after_a_cut(standin, ms_env, hub_model):
    size = (hub_model / "model.safetensors").stat().st_size
    standin.cut["model.safetensors"] = 12_000_000
    proc = swift("download", "--model", REPO_ID, "--json", "true", env=ms_env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["hub"] == "ModelScope" and out["verified"] == out["files"] == 6
    for p in hub_model.iterdir():
        assert _sha(p) == _sha(Path(out["path"]) / p.name)
    ranged = [r for m, p, r in standin.requests if p.endswith("/repo") and r]
    assert ranged == ["bytes=12000000-"]                 # modelscope keeps the partial file and continues it
    resent = standin.sent["model.safetensors"] - 12_000_000
    assert resent == size - 12_000_000 < size
    print(f"\nFIGURE resume (ModelScope): file {size} B, cut at 12000000 B, re-sent {resent} B "
          f"({resent / size:.0%} of the file)")


def test_modelscope_corrupt_file_is_one_line(standin, ms_env):
    standin.corrupt.add("tokenizer.json")
    proc = swift("download", "--model", REPO_ID, "--include", "*.json", env=ms_env)
    assert proc.returncode == 4 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "corrupt download from ModelScope" in line and "tokenizer.json: sha256" in line


def test_modelscope_unknown_id(standin, ms_env):
    proc = swift("download", "--model", "nobody/nothing", env=ms_env)
    (line,) = proc.stderr.strip().splitlines()
    assert proc.returncode == 4 and "'nobody/nothing'" in line and "ModelScope" in line
