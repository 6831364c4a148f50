"""`swift rollout`: ms-swift's rollout flags mapped onto trl's vLLM server (pure), loopback by default, and the
one-line refusal on this machine (no CUDA GPU, no vLLM). The server itself ran on a lent GPU (bench/gpu_vllm.py)."""
from __future__ import annotations

import dataclasses

from swift_cli.commands._common import parse
from swift_cli.commands.rollout import RolloutConfig
from swift_cli.engine.serve.rollout import host_for, rollout_command
from swift_cli.options.declare import given


def _cfg(*argv):
    return parse(RolloutConfig, ["--model", "/m/qwen", *argv], "swift rollout", "")[1]


def test_ms_swift_rollout_flags_reach_trl_vllm_serve():
    cfg = _cfg("--port", "8001")  # the vllm_* flags themselves are refused at parse on this machine (no vLLM)
    ms = dataclasses.replace(cfg.ms, vllm_tensor_parallel_size=2, vllm_gpu_memory_utilization=0.4,
                             vllm_max_model_len=4096, vllm_enforce_eager=True, vllm_enable_prefix_caching=False)
    cmd = rollout_command("/m/qwen", ms, host=host_for(ms, given(cfg)), dtype="bf16")  # trl builds the vllm line
    assert cmd[1:5] == ["-m", "vllm.entrypoints.cli.main", "serve", "/m/qwen"]
    flags = " ".join(cmd)
    for part in ("--host 127.0.0.1", "--port 8001", "--tensor-parallel-size 2", "--gpu-memory-utilization 0.4",
                 "--max-model-len 4096", "--enforce-eager", "--dtype bfloat16", "--weight-transfer-config"):
        assert part in flags, part


def test_rollout_binds_loopback_unless_host_is_given():
    assert host_for(_cfg().ms, given(_cfg())) == "127.0.0.1"  # ms-swift's own default is 0.0.0.0
    cfg = _cfg("--host", "0.0.0.0")
    assert host_for(cfg.ms, given(cfg)) == "0.0.0.0"


def test_rollout_without_vllm_is_refused_in_one_line(run_swift, tiny_model):
    proc = run_swift("rollout", "--model", tiny_model, timeout=120)
    assert proc.returncode == 3, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("error: swift rollout serves GRPO generations from vLLM and vllm is not installed")
    assert "Traceback" not in proc.stderr
    flagged = run_swift("rollout", "--model", tiny_model, "--vllm_gpu_memory_utilization", "0.5", timeout=120)
    assert flagged.returncode == 3 and "Traceback" not in flagged.stderr
    assert flagged.stderr.strip().splitlines()[-1] == ("error: --vllm_gpu_memory_utilization 0.5: vLLM runs on CUDA "
                                                       "GPUs only; it runs on a CUDA machine with the 'vllm' extra")
