"""`swift sample`: many answers per prompt, scored by an outcome reward, the best kept as training rows (the data
step of rejection-sampling fine-tuning; ms-swift's flags)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from swift_cli.commands._common import fail_on, parse
from swift_cli.errors import RequirementError
from swift_cli.options.compat import compat_group
from swift_cli.options.groups import ModelArgs
from swift_cli.options.sample import SampleArgs

SUMMARY = ("Sample --num_return_sequences answers per prompt, score them with --orm_model (a built-in reward or a "
           "plugin's, as GRPO uses) and keep the best --n_best_to_keep as training rows in --output_dir.")

MsSampleArgs = compat_group("sample", ModelArgs, SampleArgs)


@dataclass(frozen=True)
class SampleConfig:
    model: ModelArgs
    sample: SampleArgs
    ms: MsSampleArgs


def problems(cfg: SampleConfig) -> list[str]:
    s, out = cfg.sample, []
    if not cfg.model.model and not cfg.model.adapters:
        out.append("--model is required (or --adapters CKPT)")
    if not s.dataset:
        out.append("--dataset is required (prompt rows)")
    if s.num_return_sequences < 1 or s.n_best_to_keep < 1:
        out.append("--num_return_sequences and --n_best_to_keep must be at least 1")
    if s.output_file and not s.output_file.endswith(".jsonl"):
        out.append(f"--output_file {s.output_file}: a .jsonl file name")
    if s.output_file and ("/" in s.output_file or "\\" in s.output_file):
        out.append(f"--output_file {s.output_file}: a file name only (the folder is --output_dir)")
    return out


def refusals(s) -> None:
    if s.sampler_engine in ("vllm", "lmdeploy", "client", "no"):
        raise RequirementError(f"--sampler_engine {s.sampler_engine}: not available here; --sampler_engine "
                               "transformers samples with the model itself")
    if s.prm_model:
        raise RequirementError(f"--prm_model {s.prm_model}: process reward models are not supported here; "
                               "score whole answers with --orm_model")
    if s.sampler_type == "distill":
        raise RequirementError("--sampler_type distill: not supported here; --sampler_type sample without "
                               "--orm_model keeps every answer of this model")


def main(argv: list[str], prog: str = "swift sample") -> int:
    _, cfg = parse(SampleConfig, argv, prog, SUMMARY)
    fail_on(problems(cfg))
    refusals(cfg.sample)
    s = cfg.sample
    target = Path(s.output_dir) / (s.output_file or time.strftime("%Y%m%d-%H%M%S.jsonl"))
    if target.exists() and not s.override_exist_file:
        fail_on([f"--output_file {target}: exists (--override_exist_file true to replace it)"])
    from swift_cli.engine.sample import run

    counts = run(cfg, target)
    print(f"sampled {counts['sampled']} answers for {counts['prompts']} prompts; kept {counts['kept']}: {target}")
    return 0
