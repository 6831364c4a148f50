"""From `--dataset` values to tokenized train/validation sets, with every bad row reported by location."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from swift_cli.engine.data import agent, preferences
from swift_cli.engine.data.encode import Encoded, encode_messages, encode_text, split_rows, truncate
from swift_cli.engine.data.formats import RowError, to_messages, to_text
from swift_cli.engine.data.readers import Row
from swift_cli.engine.data.sources import load_rows
from swift_cli.errors import RowsTooLong, UsageError

MAX_LISTED = 10
PAIRED_TASKS = ("dpo", "orpo", "cpo", "simpo", "rm")  # rm: reward models read the same pairs


@dataclass
class Item:
    """A row in normalised form: messages (sft) or text (pt)."""

    where: str
    messages: list[dict] | None = None
    text: str | None = None
    pref: dict | None = None  # TRL conversational preference row (dpo/orpo/cpo/simpo/kto)
    tools: list | None = None  # ms-swift's `tools` column (engine/data/agent.py)


@dataclass
class Prepared:
    """Tokenized splits plus what happened on the way (for logs and the planner)."""

    train: list[Encoded]
    val: list[Encoded]
    dropped: int = 0
    notes: list[str] = field(default_factory=list)

    def length_stats(self) -> dict:
        lengths = sorted(len(e.input_ids) for e in self.train) or [0]
        return {"rows": len(self.train), "mean_tokens": sum(lengths) / len(lengths), "max_tokens": lengths[-1],
                "p95_tokens": lengths[int(0.95 * (len(lengths) - 1))]}


def normalise(rows: list[Row], task: str, system: str | None) -> tuple[list[Item], list[str]]:
    """Rows -> Items; problems as `file:line: reason`, one per bad row."""
    from swift_cli.engine.vl.rows import has_images

    items, problems = [], []
    for row in rows:
        try:
            if has_images(row.data):  # image rows reach here only for text-only models (engine/vl reads them)
                raise RowError("has images, but the model is text-only (use a vision-language model)")
            if task == "pt":
                items.append(Item(row.where, text=to_text(row.data)))
            elif task in PAIRED_TASKS:
                pref = preferences.to_pair(row.data)
                pref["prompt"] = preferences.with_system(pref["prompt"], system)
                items.append(Item(row.where, pref=pref))
            elif task == "kto":
                data = row.data
                prefs = ([preferences.to_unpaired(data)] if isinstance(data, dict) and "label" in data
                         else preferences.pairs_to_unpaired(preferences.to_pair(data)))
                for pref in prefs:
                    pref["prompt"] = preferences.with_system(pref["prompt"], system)
                    items.append(Item(row.where, pref=pref))
            else:
                msgs = to_messages(row.data)
                if system and msgs[0]["role"] != "system":
                    msgs = [{"role": "system", "content": system}] + msgs
                tools = agent.parse_tools(row.data.get("tools")) if isinstance(row.data, dict) else []
                items.append(Item(row.where, messages=msgs, tools=tools))
        except RowError as exc:
            problems.append(f"{row.where}: {exc}")
    return items, problems


def collect(specs: list[str], task: str, *, model_name: list[str], model_author: list[str], seed: int,
            system: str | None = None, use_hf: bool = False) -> tuple[list[Item], list[str]]:
    """Read and normalise every dataset; returns the good items and every problem found."""
    items: list[Item] = []
    problems: list[str] = []
    for i, spec in enumerate(specs):
        rows = load_rows(spec, model_name=model_name, model_author=model_author, seed=seed + i, use_hf=use_hf,
                         problems=problems)
        good, bad = normalise(rows, task, system)
        items += good
        problems += bad
    return items, problems


def raise_problems(problems: list[str], what: str) -> None:
    """One line per bad row (up to a limit) on stderr, then a UsageError."""
    if not problems:
        return
    import sys

    for line in problems[:MAX_LISTED]:
        print(f"error: {line}", file=sys.stderr)
    more = f" ({len(problems) - MAX_LISTED} not shown)" if len(problems) > MAX_LISTED else ""
    raise UsageError(f"{what}: {len(problems)} bad row(s){more}; `swift validate-dataset FILE` lists them all")


def encode_item(item: Item, tokenizer, loss_scale: str = "default", agent_template: str | None = None) -> Encoded:
    """One sft/pt row's tokens and labels; tool-calling rows in --agent_template's format (engine/data/agent.py)."""
    if item.text is not None:
        return encode_text(tokenizer, item.text)
    if not agent.is_agent_row(item.messages, item.tools):
        return encode_messages(tokenizer, item.messages, loss_scale)
    try:
        messages, chat_kwargs = agent.prepare_row(tokenizer, item.messages, item.tools or [], agent_template)
    except RowError as exc:
        raise UsageError(f"{item.where}: {exc}") from None
    return encode_messages(tokenizer, messages, loss_scale, chat_kwargs)


def tokenize(items: list[Item], tokenizer, max_length: int, strategy: str, loss_scale: str = "default",
             agent_template: str | None = None) -> tuple[list[Encoded], int, int]:
    """Encode items; returns (kept, dropped count, shortest prompt among dropped rows)."""
    kept, dropped, shortest_dropped = [], 0, 0
    for item in items:
        enc = encode_item(item, tokenizer, loss_scale, agent_template)
        if strategy == "split":
            kept.extend(split_rows(enc, max_length))
            continue
        out = enc if item.text is not None else truncate(enc, max_length, strategy)
        if out is None:
            dropped += 1
            first_label = next((i for i, t in enumerate(enc.labels) if t != -100), len(enc.labels))
            shortest_dropped = first_label if not shortest_dropped else min(shortest_dropped, first_label)
        else:
            kept.append(out)
    return kept, dropped, shortest_dropped


def shuffle_and_split(items: list, val_items: list, data, seed: int) -> tuple[list, list]:
    """Shuffle (--dataset_shuffle) and hold out --split_dataset_ratio of the rows when no --val_dataset."""
    items = list(items)
    if data.dataset_shuffle:
        random.Random(seed).shuffle(items)
    if not val_items and data.split_dataset_ratio > 0:
        n_val = max(1, int(round(len(items) * data.split_dataset_ratio)))
        if n_val >= len(items):
            raise UsageError(f"--split_dataset_ratio {data.split_dataset_ratio} leaves no training rows")
        val_items, items = items[:n_val], items[n_val:]
    return items, val_items


def gather(data, seed: int, read) -> tuple[list, list]:
    """--dataset and --val_dataset through `read(specs) -> (items, problems)`: every bad row reported (UsageError),
    then shuffled and split. Shared by text rows and image-text rows (engine/vl/data.py)."""
    items, problems = read(data.dataset)
    val_items, val_problems = read(data.val_dataset)
    raise_problems(problems + val_problems, "--dataset")
    if not items:
        raise UsageError("--dataset: no usable rows")
    return shuffle_and_split(items, val_items, data, seed)


def prepare(data, tokenizer, *, task: str, seed: int, system: str | None, use_hf: bool) -> Prepared:
    """The whole data path for a training command; raises UsageError on any bad or empty input."""
    items, val_items = gather(data, seed, lambda specs: collect(
        specs, task, model_name=data.model_name, model_author=data.model_author, seed=seed, system=system,
        use_hf=use_hf))
    encode = (data.max_length, data.truncation_strategy, data.loss_scale, data.agent_template)
    train, dropped, shortest = tokenize(items, tokenizer, *encode)
    val, _, _ = tokenize(val_items, tokenizer, *encode)
    if not train:
        raise RowsTooLong(f"--max_length {data.max_length}: every row is longer (with truncation_strategy "
                          f"{data.truncation_strategy}); the shortest prompt alone is {shortest} tokens")
    notes = []
    if dropped:
        notes.append(f"{dropped} of {len(items)} rows dropped: longer than --max_length {data.max_length} "
                     f"(--truncation_strategy {data.truncation_strategy})")
    return Prepared(train, val, dropped, notes)
