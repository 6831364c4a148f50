"""`swift rollout`: ms-swift's vLLM rollout server that GRPO's server mode (`--vllm_mode server`) talks to.
Every flag of ms-swift's RolloutArguments parses. On a CUDA machine with the 'vllm' extra it runs trl's vLLM
server as trl's GRPO server mode expects it (trl builds the line) on 127.0.0.1 unless --host is given; elsewhere it is refused in
one line (exit 3) naming what would run it. Without it, GRPO generates in-process."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.errors import RequirementError
from swift_cli.options.compat import compat_group
from swift_cli.options.groups import ModelArgs

SUMMARY = ("The vLLM rollout server for GRPO's server mode (ms-swift's `swift rollout`; trl's vllm-serve): needs a "
           "CUDA GPU and the 'vllm' extra. Without it, `swift rlhf --rlhf_type grpo` generates in-process.")

MsRolloutArgs = compat_group("rollout", ModelArgs)


@dataclass(frozen=True)
class RolloutConfig:
    model: ModelArgs
    ms: MsRolloutArgs


def main(argv: list[str], prog: str = "swift rollout") -> int:
    cfg = parse(RolloutConfig, argv, prog, SUMMARY)[1]
    from swift_cli.engine.serve.vllm import missing_for_vllm

    missing = missing_for_vllm()
    if missing:
        raise RequirementError(f"swift rollout serves GRPO generations from vLLM and {missing}; run it on a CUDA "
                               "machine with the 'vllm' extra, or train GRPO in-process here: swift rlhf "
                               "--rlhf_type grpo (generation through the model itself)")
    import os
    import shlex

    from swift_cli.engine.generate import resolve_for_inference
    from swift_cli.engine.serve.rollout import DEV_MODE, LOOPBACK, host_for, rollout_command
    from swift_cli.options.declare import given

    host = host_for(cfg.ms, given(cfg))
    if host not in LOOPBACK:
        print(f"warning: --host {host}: trl's rollout server takes no API key; anyone who reaches this port can "
              "generate with the model", flush=True)
    model, _, _, dtype = resolve_for_inference(cfg.model)
    cmd = rollout_command(str(model), cfg.ms, host=host, dtype=str(dtype))
    print(f"starting vLLM's server for trl's GRPO server mode: {shlex.join(cmd)}", flush=True)
    os.execve(cmd[0], cmd, {**os.environ, **DEV_MODE})  # Ctrl-C and SIGTERM go straight to the server
    return 0
