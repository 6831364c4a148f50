"""ms-swift's built-in GRPO rewards by name, built on trl.rewards (math-verify for answers), never own parsers.

Each reward is a callable GRPOTrainer accepts: (completions, completion_ids, **row columns) -> list[float | None].
`format` is ms-swift's definition (think then answer tags); trl ships only a think-tag check, so it is spelled here.
"""
from __future__ import annotations

import re

# ms-swift's `format` reward: the whole completion is <think>...</think> then <answer>...</answer>.
_FORMAT = re.compile(r"^<think>.*?</think>\s*<answer>.*?</answer>(?![\s\S])", re.DOTALL)


def completion_text(completion) -> str:
    """A completion as text: trl passes message lists for chat prompts and strings for plain ones."""
    if isinstance(completion, str):
        return completion
    return "".join(str(m.get("content", "")) for m in completion if isinstance(m, dict))


class FormatReward:
    """1.0 when the completion is `<think>...</think><answer>...</answer>`, else 0.0."""

    __name__ = "format"

    def __call__(self, completions, **kwargs) -> list[float]:
        return [1.0 if _FORMAT.match(completion_text(c).strip()) else 0.0 for c in completions]


class AccuracyReward:
    """Final answer vs the row's `solution` through math-verify (trl's accuracy_reward); None skips a row whose
    solution math-verify cannot parse. Completions given as plain strings are wrapped as one message."""

    __name__ = "accuracy"

    def __call__(self, completions, solution, **kwargs) -> list[float | None]:
        from trl.rewards import accuracy_reward

        msgs = [[{"role": "assistant", "content": completion_text(c)}] for c in completions]
        return accuracy_reward(msgs, [str(s) for s in solution])


class _Named:
    """Give trl's reward objects ms-swift's names (the name keys the logged rewards/<name>/mean)."""

    def __init__(self, name: str, fn):
        self.__name__ = name
        self.fn = fn

    def __call__(self, completions, **kwargs):
        if "solution" in kwargs:  # trl's cosine reward wants message lists
            completions = [[{"role": "assistant", "content": completion_text(c)}] for c in completions]
        return self.fn(completions=completions, **kwargs)


def builtin(name: str, rl):
    """The built-in reward called `name`, configured from the RL options (ms-swift's parameter names)."""
    from trl import rewards

    if name == "format":
        return FormatReward()
    if name == "accuracy":
        return AccuracyReward()
    limit = rl.max_completion_length
    if name == "cosine":
        return _Named("cosine", rewards.get_cosine_scaled_reward(
            max_len=rl.cosine_max_len or limit, min_value_wrong=rl.cosine_min_len_value_wrong,
            max_value_wrong=rl.cosine_max_len_value_wrong, min_value_correct=rl.cosine_max_len_value_correct,
            max_value_correct=rl.cosine_min_len_value_correct))
    if name == "repetition":
        return _Named("repetition", rewards.get_repetition_penalty_reward(
            ngram_size=rl.repetition_n_grams, max_penalty=rl.repetition_max_penalty))
    if name == "soft_overlong":
        soft_max = rl.soft_max_length or limit
        return _Named("soft_overlong", rewards.get_soft_overlong_punishment(
            max_completion_len=soft_max, soft_punish_cache=rl.soft_cache_length or max(1, soft_max // 4)))
    raise KeyError(name)


def needed_columns(name: str) -> tuple[str, ...]:
    """Row columns a built-in reward reads (checked against the dataset before training)."""
    return ("solution",) if name in ("accuracy", "cosine") else ()
