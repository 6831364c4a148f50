"""Token lengths of a run's data before the run: the tokenizer alone on local data, so the first memory figure a
user sees is the refined one (rows padded to the batch's longest, not to --max_length).

Only what is already here is read: a model folder with its tokenizer files, and built-in sets or local files.
A hub name, a missing tokenizer or any error gives None (the plan then assumes --max_length, as before).
"""
from __future__ import annotations

from pathlib import Path

from swift_cli.engine.data.sources import PREFERENCE_NAMES, SELF_COGNITION_NAMES, DatasetSpec

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model")


def is_local(spec_text: str) -> bool:
    """A built-in set or an existing file (no download needed to read it)."""
    source = DatasetSpec.parse(spec_text).source
    return source.lower() in SELF_COGNITION_NAMES | PREFERENCE_NAMES or Path(source).expanduser().is_file()


def local_tokenizer_dir(model: str | Path | None) -> Path | None:
    if not model:
        return None
    path = Path(model).expanduser()
    return path if path.is_dir() and any((path / f).is_file() for f in TOKENIZER_FILES) else None


def length_stats(model, datasets: list[str], task: str, *, max_length: int, truncation: str = "delete",
                 model_name=(), model_author=(), system: str | None = None, seed: int = 42) -> dict | None:
    """{rows, mean_tokens, p95_tokens, max_tokens} of the rows as training would tokenize them, or None when the
    model's tokenizer or a dataset is not local (nothing is downloaded here)."""
    tok_dir = local_tokenizer_dir(model)
    if tok_dir is None or not datasets or not all(is_local(d) for d in datasets) or task not in ("sft", "pt"):
        return None
    try:
        from transformers import AutoTokenizer

        from swift_cli.engine.data.build import Prepared, collect, tokenize

        tokenizer = AutoTokenizer.from_pretrained(str(tok_dir))
        items, problems = collect(list(datasets), task, model_name=list(model_name), model_author=list(model_author),
                                  seed=seed, system=system)
        if problems or not items:
            return None
        kept, _, _ = tokenize(items, tokenizer, max_length, truncation)
        return Prepared(kept, []).length_stats() if kept else None
    except Exception:  # noqa: BLE001 - a figure we cannot measure falls back to the --max_length assumption
        return None
