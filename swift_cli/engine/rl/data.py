"""Dataset rows for online RL: a prompt (the conversation up to the answer) plus every other column, which GRPO
passes to the reward functions (e.g. `solution` for accuracy). Same readers, formats and row errors as sft."""
from __future__ import annotations

from swift_cli.engine.data.build import raise_problems, shuffle_and_split
from swift_cli.engine.data.formats import ROLE_ALIASES, RowError, _turns
from swift_cli.engine.data.sources import load_rows
from swift_cli.errors import UsageError

# Columns that make up the conversation; every other column is the row's data for the reward functions.
CONVERSATION_KEYS = ("messages", "conversations", "query", "prompt", "system", "history", "response", "instruction",
                     "input", "output")


def _conversation(row: dict) -> list[dict]:
    if "messages" in row:
        return _turns(row["messages"], "messages", "role", "content")
    if "conversations" in row:
        convo = row["conversations"]
        keys = ("from", "value") if convo and isinstance(convo[0], dict) and "from" in convo[0] else ("role", "content")
        return _turns(convo, "conversations", *keys)
    for key in ("query", "prompt", "instruction"):
        if isinstance(row.get(key), str):
            text = row[key] + (f"\n{row['input']}" if key == "instruction" and row.get("input") else "")
            return [{"role": "user", "content": text}]
        if isinstance(row.get(key), list):
            return _turns(row[key], key, "role", "content")
    keys = ", ".join(repr(k) for k in row) or "none"
    raise RowError(f"no prompt (keys: {keys}); expected messages, conversations, query or prompt")


def to_prompt_row(row, system: str | None) -> dict:
    """{prompt: messages ending with the user's turn, **other columns}; a trailing assistant answer is dropped (the
    policy writes its own). Raises RowError."""
    if not isinstance(row, dict):
        raise RowError(f"a row must be a JSON object, got {type(row).__name__}")
    msgs = _conversation(row)
    while msgs and msgs[-1]["role"] == ROLE_ALIASES["assistant"]:
        msgs = msgs[:-1]
    if not msgs or msgs[-1]["role"] != "user" or not msgs[-1]["content"].strip():
        raise RowError("the prompt must end with a non-empty user turn")
    sys_text = row.get("system") if isinstance(row.get("system"), str) else system
    if sys_text and msgs[0]["role"] != "system":
        msgs = [{"role": "system", "content": sys_text}] + msgs
    extra = {k: v for k, v in row.items() if k not in CONVERSATION_KEYS}
    return {"prompt": msgs, **extra}


def sft_row(row, system: str | None) -> dict:
    """GKD rows: the whole conversation as `messages` (trl's ChatML collator)."""
    from swift_cli.engine.data.formats import to_messages

    msgs = to_messages(row)
    if system and msgs[0]["role"] != "system":
        msgs = [{"role": "system", "content": system}] + msgs
    return {"messages": msgs}


def collect(cfg, convert) -> tuple[list[dict], list[dict]]:
    """(train, validation) rows through `convert(raw, system)`, every bad row reported by location."""
    from swift_cli.options.compat import columns_mapping

    d = cfg.data
    kw = {"model_name": d.model_name, "model_author": d.model_author, "use_hf": cfg.model.use_hf}
    rename = columns_mapping(cfg)

    def read(specs):
        rows, problems = [], []
        for i, spec in enumerate(specs):
            for raw in load_rows(spec, seed=cfg.train.seed + i, problems=problems, **kw):
                data = raw.data
                if rename and isinstance(data, dict):
                    data = {rename.get(k, k): v for k, v in data.items()}
                try:
                    rows.append(convert(data, cfg.model.system))
                except RowError as exc:
                    problems.append(f"{raw.where}: {exc}")
        return rows, problems

    train, problems = read(d.dataset)
    val, val_problems = read(d.val_dataset)
    raise_problems(problems + val_problems, "--dataset")
    if not train:
        raise UsageError("--dataset: no usable rows")
    columns = set(train[0])
    odd = next((i for i, r in enumerate(train) if set(r) != columns), None)
    if odd is not None:
        raise UsageError(f"--dataset: rows have different columns ({sorted(columns)} vs {sorted(train[odd])}); "
                         "reward functions need the same columns in every row")
    return shuffle_and_split(train, val, d, cfg.train.seed)
