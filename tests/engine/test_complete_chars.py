"""An answer cut by max_new_tokens never ends in U+FFFD: a multi-byte character split across byte-level tokens is
dropped from the end, in every path that prints or stores generated text (infer, the report, deploy, eval)."""
from __future__ import annotations

from swift_cli.engine.generate import complete_chars


def test_only_a_trailing_incomplete_character_is_trimmed():
    assert complete_chars("我是小\ufffd") == "我是小"
    assert complete_chars("a\ufffdb") == "a\ufffdb"
    assert complete_chars("done") == "done"


def test_cut_answers_end_on_a_whole_character(sft_adapter):
    from swift_cli.commands.infer import InferConfig
    from swift_cli.engine.generate import ChatModel, GenParams
    from swift_cli.options.parse import parse_command

    _, cfg = parse_command(InferConfig, ["--adapters", str(sft_adapter)])
    chat = ChatModel(cfg.model, use_cpu=True)
    ask = [{"role": "user", "content": "你是谁？"}]
    full, _, _ = chat.generate(ask, GenParams(max_new_tokens=40))
    assert any("\u4e00" <= c <= "\u9fff" for c in full), full  # the trained answer is Chinese
    ids = chat.tokenizer(full, add_special_tokens=False).input_ids
    raw_cuts = [chat.tokenizer.decode(ids[:k]) for k in range(1, len(ids))]
    assert any(c.endswith("\ufffd") for c in raw_cuts)  # this tokenizer does split characters across tokens
    for k in range(1, min(len(ids), 24)):
        text, _, n = chat.generate(ask, GenParams(max_new_tokens=k))
        assert not text.endswith("\ufffd"), (k, text)
        assert full.startswith(text), (k, text, full)
