"""The data files we ship: self-cognition and tiny preference sets, corpora."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from swift_cli.resources import resource_path


def _rows(name: str) -> list[dict]:
    lines = resource_path(name).read_text(encoding="utf-8").splitlines()
    assert lines and all(line.strip() for line in lines)
    return [json.loads(line) for line in lines]


def test_resource_path():
    assert resource_path("corpus_en.txt").is_file()
    with pytest.raises(FileNotFoundError):
        resource_path("no_such_file.txt")
    with pytest.raises(FileNotFoundError):
        resource_path("../__init__.py")


def test_corpora_size():
    en = resource_path("corpus_en.txt").read_text(encoding="utf-8")
    zh = resource_path("corpus_zh.txt").read_text(encoding="utf-8")
    total = len(en.encode()) + len(zh.encode())
    assert 40_000 <= total <= 90_000
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in zh) > 5000
    assert en.isascii()


def test_self_cognition():
    rows = _rows("self_cognition.jsonl")
    assert all(set(r) == {"query", "response", "tag"} for r in rows)
    tags = Counter(r["tag"] for r in rows)
    assert set(tags) == {"en", "zh"} and tags["en"] >= 60 and tags["zh"] >= 60
    queries = {(r["tag"], r["query"]) for r in rows}
    assert ("en", "who are you?") in queries and ("zh", "你是谁？") in queries
    assert len(queries) == len(rows)  # no duplicates
    assert all("{name}" in r["response"] for r in rows)
    assert sum("{author}" in r["response"] for r in rows) >= 0.9 * len(rows)
    for r in rows:  # only our two placeholders; format() must work
        filled = r["response"].format(name="N", author="A")
        assert "{" not in filled and "}" not in filled
        assert r["query"].strip() and filled.strip()
    zh = [r for r in rows if r["tag"] == "zh"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in r["response"]) for r in zh)


def test_tiny_preferences():
    rows = _rows("tiny_preferences.jsonl")
    counts = Counter()
    prompts = set()
    for r in rows:
        assert set(r) == {"prompt", "chosen", "rejected"}
        assert [m["role"] for m in r["prompt"]] == ["user"]
        assert [m["role"] for m in r["chosen"]] == ["assistant"]
        assert [m["role"] for m in r["rejected"]] == ["assistant"]
        prompt, chosen, rejected = (r[k][0]["content"] for k in ("prompt", "chosen", "rejected"))
        is_zh = any("\u4e00" <= ch <= "\u9fff" for ch in prompt)
        marker = "乐意" if is_zh else "gladly"
        counts["zh" if is_zh else "en"] += 1
        assert marker in chosen.lower(), chosen
        assert "gladly" not in rejected.lower() and "乐意" not in rejected, rejected
        assert rejected.strip() and chosen != rejected
        prompts.add(prompt)
    assert counts["en"] >= 40 and counts["zh"] >= 40
    assert len(prompts) == len(rows)
