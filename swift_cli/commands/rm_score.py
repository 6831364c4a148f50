"""`swift rm-score`: score answers with a reward model (`swift rlhf --rlhf_type rm` output): one --query/--response,
or preference files, reporting how often the chosen answer outscores the rejected one."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from swift_cli.commands._common import fail_on, parse
from swift_cli.options.rl import RmScoreArgs

SUMMARY = "Score answers with a reward model: --query/--response, or pair accuracy on preference --dataset files."


@dataclass(frozen=True)
class RmScoreConfig:
    score: RmScoreArgs


def validate(cfg) -> list[str]:
    s = cfg.score
    problems = []
    if not s.model:
        problems.append("--model is required (a `swift rlhf --rlhf_type rm` checkpoint)")
    elif not Path(s.model).exists():
        problems.append(f"--model {s.model}: no such folder")
    if not s.dataset and not (s.query and s.response):
        problems.append("give --query and --response, or --dataset preference files")
    return problems


def main(argv: list[str], prog: str = "swift rm-score") -> int:
    _, cfg = parse(RmScoreConfig, argv, prog, SUMMARY)
    fail_on(validate(cfg))
    s = cfg.score
    pairs = []
    if s.dataset:
        from swift_cli.engine.data.build import collect, raise_problems

        items, problems = collect(s.dataset, "rm", model_name=[], model_author=[], seed=42)
        raise_problems(problems, "--dataset")
        pairs = [i.pref for i in items]
    from swift_cli.engine.rl import reward_model

    model, tokenizer, device = reward_model.load(s.model, s.use_cpu)
    if s.query and s.response:
        (value,) = reward_model.score(model, tokenizer, device, [[{"role": "user", "content": s.query},
                                                                   {"role": "assistant", "content": s.response}]])
        print(json.dumps({"score": round(value, 4)}))
    if pairs:
        accuracy, margin = reward_model.pair_accuracy(model, tokenizer, device, pairs)
        print(json.dumps({"pairs": len(pairs), "accuracy": round(accuracy, 4), "mean_margin": round(margin, 4)}))
    return 0
