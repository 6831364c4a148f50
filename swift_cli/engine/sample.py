"""`swift sample`: rejection-sampling data. Each prompt is answered --num_return_sequences times, each answer is
scored by the outcome reward (built-in or plugin, the same functions GRPO uses), and the best --n_best_to_keep are
written as training rows: the prompt's messages plus the answer, with its reward."""
from __future__ import annotations

import json
from pathlib import Path

from swift_cli.errors import UsageError


def read_prompts(s, model_args) -> list[dict]:
    from swift_cli.engine.data.build import raise_problems
    from swift_cli.engine.data.formats import RowError
    from swift_cli.engine.data.sources import load_rows
    from swift_cli.engine.rl.data import to_prompt_row

    rows, problems = [], []
    for i, spec in enumerate(s.dataset):
        for raw in load_rows(spec, model_name=[], model_author=[], seed=s.seed + i, use_hf=model_args.use_hf,
                             problems=problems):
            try:
                rows.append(to_prompt_row(raw.data, model_args.system))
            except RowError as exc:
                problems.append(f"{raw.where}: {exc}")
    raise_problems(problems, "--dataset")
    if not rows:
        raise UsageError("--dataset: no usable rows")
    return rows


def reward_function(s, first_row: dict):
    if not s.orm_model:
        return None
    from swift_cli.engine.rl import plugins
    from swift_cli.options.rl import RlArgs

    (fn,) = plugins.resolve([s.orm_model], RlArgs(), s.external_plugins)
    plugins.probe([fn], first_row)
    return fn


def score(fn, row: dict, answers: list[str]) -> list[float]:
    if fn is None:
        return [0.0] * len(answers)
    columns = {k: [v] * len(answers) for k, v in row.items() if k != "prompt"}
    values = fn(completions=answers, prompts=[row["prompt"]] * len(answers),
                completion_ids=[[] for _ in answers], **columns)
    return [float("-inf") if v is None else float(v) for v in values]


def keep(s, answers: list[str], rewards: list[float]) -> list[tuple[str, float]]:
    """The best answers (distinct, highest reward first); none when the prompt is too easy."""
    if s.easy_query_threshold is not None and rewards:
        if sum(r > 0 for r in rewards) / len(rewards) > s.easy_query_threshold:
            return []
    best, seen = [], set()
    for answer, reward in sorted(zip(answers, rewards), key=lambda p: -p[1]):
        if answer in seen or reward == float("-inf"):
            continue
        seen.add(answer)
        best.append((answer, reward))
    return best[:s.n_best_to_keep]


def answers_for(chat, messages: list[dict], s, seed: int) -> list[str]:
    """--num_return_sequences answers to one prompt. Text models: drawn together (one prefill shared by all,
    batched decoding: engine/rl/fast_rollout.py), with generate's top-k 50 and --top_p; image-text models or
    greedy: one generate call per answer."""
    import torch

    from swift_cli.engine.generate import GenParams, complete_chars

    n = s.num_return_sequences
    if chat.vl or s.temperature <= 0:
        return [chat.generate(messages, GenParams(max_new_tokens=s.max_new_tokens, temperature=s.temperature,
                                                  top_p=s.top_p, seed=seed + k))[0] for k in range(n)]
    from swift_cli.engine.data.encode import prompt_ids
    from swift_cli.engine.rl.fast_rollout import sample_group

    torch.manual_seed(seed)
    ids = prompt_ids(chat.tokenizer, chat.with_system(messages))
    eos = {chat.tokenizer.eos_token_id}  # as ChatModel.generate stops
    outs = sample_group(chat.model, ids, n, s.max_new_tokens, eos, s.temperature, GenParams.top_k, s.top_p,
                        chat.device)
    return [complete_chars(chat.tokenizer.decode(o, skip_special_tokens=True)) for o in outs]


def run(cfg, target: Path) -> dict:
    """Sample, score, keep; write `target` (jsonl) and return the counts."""
    from swift_cli.engine.generate import ChatModel

    s = cfg.sample
    rows = read_prompts(s, cfg.model)
    fn = reward_function(s, rows[0])
    chat = ChatModel(cfg.model)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    kept = sampled = 0
    with partial.open("w", encoding="utf-8") as out:
        for i, row in enumerate(rows):
            answers = answers_for(chat, row["prompt"], s, s.seed + i)
            sampled += len(answers)
            rewards = score(fn, row, answers)
            extra = {k: v for k, v in row.items() if k != "prompt"}
            for answer, reward in keep(s, answers, rewards):
                record = {"messages": row["prompt"] + [{"role": "assistant", "content": answer}], **extra}
                if fn is not None:
                    record["reward"] = reward
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                kept += 1
    partial.replace(target)
    return {"prompts": len(rows), "sampled": sampled, "kept": kept}
