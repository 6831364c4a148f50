"""Answer every row of dataset files into JSON lines; rows already answered are skipped (resumable)."""
from __future__ import annotations

import json
from pathlib import Path

from swift_cli.engine.data.formats import RowError, to_messages
from swift_cli.engine.data.sources import load_rows
from swift_cli.errors import UsageError


def _question(row) -> list[dict]:
    """The conversation to answer: the row's messages without a trailing assistant turn."""
    data = dict(row) if isinstance(row, dict) else row
    if isinstance(data, dict) and "messages" in data and data["messages"] and data["messages"][-1].get("role") != "assistant":
        data = {**data, "messages": data["messages"] + [{"role": "assistant", "content": "-"}]}
    elif isinstance(data, dict):
        for q, a in (("query", "response"), ("instruction", "output")):
            if q in data and a not in data:
                data = {**data, a: "-"}
    msgs = to_messages(data)
    return msgs[:-1]


def answer_datasets(chat, params, specs: list[str], result_path: str | None) -> int:
    """Write one JSON line per input row: the row plus `response`."""
    from rich.progress import Progress

    out = Path(result_path or "infer_result.jsonl")
    done = 0
    if out.is_file():
        done = sum(1 for line in out.read_text(encoding="utf-8").splitlines() if line.strip())
    rows = []
    for spec in specs:
        rows += load_rows(spec, model_name=[], model_author=[], seed=0)
    questions = []
    from swift_cli.engine.vl.generate import batch_question
    from swift_cli.engine.vl.rows import has_images

    for row in rows:
        try:
            vl = getattr(chat, "vl", None) and has_images(row.data)  # image rows: images attached as parts
            questions.append((row, batch_question(row.where, row.data, _question) if vl else _question(row.data)))
        except RowError as exc:
            raise UsageError(f"{row.where}: {exc}") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as fh, Progress() as progress:
        task = progress.add_task("answering", total=len(questions), completed=done)
        for row, msgs in questions[done:]:
            text, _, _ = chat.generate(msgs, params)
            fh.write(json.dumps({**row.data, "response": text}, ensure_ascii=False) + "\n")
            fh.flush()
            progress.advance(task)
    print(f"wrote {len(questions) - done} answers to {out}" + (f" ({done} already there)" if done else ""))
    return 0
