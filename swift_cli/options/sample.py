"""`swift sample`'s options: many answers per prompt, scored, the best kept (ms-swift's SamplingArguments names)."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.options.declare import opt


@dataclass(frozen=True)
class SampleArgs:
    """Sampling: how many answers, how they are scored, which are kept, where they go."""

    dataset: list[str] = opt([], "Prompt rows (messages / query / prompt, plus the columns the reward reads), #N")
    num_return_sequences: int = opt(64, "Answers sampled per prompt")
    n_best_to_keep: int = opt(5, "Answers kept per prompt (highest reward first)")
    temperature: float = opt(1.0, "Sampling temperature (0: greedy, so every answer is the same)")
    top_p: float = opt(1.0, "Nucleus sampling")
    max_new_tokens: int = opt(512, "Most tokens per answer", aliases=("max_tokens",))
    orm_model: str | None = opt(None, "Outcome reward: a built-in reward (accuracy, format, ...) or a name from "
                                "--external_plugins; without one every answer is kept (distillation data)")
    external_plugins: list[str] = opt([], "Python files defining reward functions or ms-swift ORM classes")
    prm_model: str | None = opt(None, "Process reward model (ms-swift); not supported here: refused when given")
    easy_query_threshold: float | None = opt(None, "Drop a prompt when more than this share of its answers earn a "
                                             "positive reward (too easy to teach anything)")
    sampler_type: str = opt("sample", "sample (this model answers); distill is not supported here",
                            choices=("sample", "distill"))
    sampler_engine: str = opt("transformers", "transformers (pt); vllm / lmdeploy / client are refused here",
                              choices=("transformers", "pt", "vllm", "lmdeploy", "client", "no"))
    output_dir: str = opt("sample_output", "Folder for the output file")
    output_file: str | None = opt(None, "File name (.jsonl) in --output_dir; default: a timestamp")
    override_exist_file: bool = opt(False, "Overwrite --output_file when it exists")
    seed: int = opt(42, "Random seed (the answers to prompt i are drawn together from seed + i)")
