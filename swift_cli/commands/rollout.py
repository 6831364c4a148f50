"""`swift rollout`: ms-swift's vLLM rollout server that GRPO's server mode (`--vllm_mode server`) talks to.
Every flag of ms-swift's RolloutArguments parses; the server itself needs a CUDA GPU and vLLM, so on this
machine it is refused in one line (exit 3) naming what would run it. yichui's GRPO generates in-process."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.errors import RequirementError
from swift_cli.options.compat import compat_group
from swift_cli.options.groups import ModelArgs

SUMMARY = ("The vLLM rollout server for GRPO's server mode (ms-swift's `swift rollout`): needs a CUDA GPU and "
           "the 'vllm' extra. yichui's own `swift rlhf --rlhf_type grpo` generates in-process instead.")

MsRolloutArgs = compat_group("rollout", ModelArgs)


@dataclass(frozen=True)
class RolloutConfig:
    model: ModelArgs
    ms: MsRolloutArgs


def main(argv: list[str], prog: str = "swift rollout") -> int:
    parse(RolloutConfig, argv, prog, SUMMARY)
    from swift_cli.extras import has_extra
    from hardware.probe import probe

    where = "this machine has no CUDA GPU" if probe().accelerator != "cuda" else (
        "vLLM is not installed" if not has_extra("vllm") else "yichui does not ship a rollout server")
    raise RequirementError(f"swift rollout serves GRPO generations from vLLM on CUDA GPUs and {where}; run it "
                           "with ms-swift on a CUDA machine, or train GRPO in-process here: swift rlhf "
                           "--rlhf_type grpo (generation through the model itself)")
