"""`swift rollout`: vLLM's server as trl's GRPO server mode expects it (`--use_vllm true --vllm_mode server`), with
ms-swift's RolloutArguments mapped onto trl's own rollout-server arguments; trl builds the `vllm serve` line (its
weight-transfer, logprob and dev-mode settings), we only map the flags and bind loopback by default."""
from __future__ import annotations

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DTYPES = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}
DEV_MODE = {"VLLM_SERVER_DEV_MODE": "1"}  # trl's weight-sync endpoints live behind vLLM's dev mode


def script_args(model: str, ms, *, host: str, dtype: str = "auto") -> dict:
    """trl's vllm-serve ScriptArguments for ms-swift's rollout flags (`ms` holds vllm_* / port / max_model_len)."""
    args = {"model": model, "host": host, "port": ms.port, "tensor_parallel_size": ms.vllm_tensor_parallel_size,
            "data_parallel_size": ms.vllm_data_parallel_size,
            "gpu_memory_utilization": ms.vllm_gpu_memory_utilization, "dtype": DTYPES.get(dtype, dtype),
            "max_model_len": ms.vllm_max_model_len or ms.max_model_len}
    if ms.vllm_enforce_eager:
        args["enforce_eager"] = True
    if ms.vllm_enable_prefix_caching is not None:
        args["enable_prefix_caching"] = bool(ms.vllm_enable_prefix_caching)
    return args


def rollout_command(model: str, ms, *, host: str, dtype: str = "auto") -> list[str]:
    """The `python -m vllm... serve` argv trl's own `trl vllm-serve` runs for these arguments."""
    from trl.scripts.vllm_serve import ScriptArguments, build_command

    return build_command(ScriptArguments(**script_args(model, ms, host=host, dtype=dtype)))


def host_for(ms, given: frozenset[str]) -> str:
    """ms-swift binds 0.0.0.0 by default; here the default is 127.0.0.1 (the rollout server takes no token)."""
    return ms.host if "host" in given else "127.0.0.1"
