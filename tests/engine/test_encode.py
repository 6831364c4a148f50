"""Assistant-only labels at token level, with the tiny model's real tokenizer and chat template."""
from __future__ import annotations

import pytest

from swift_cli.engine.data.encode import IGNORE, Encoded, encode_messages, encode_text, prompt_ids, truncate
from swift_cli.errors import UsageError

TWO_TURNS = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "Paris."},
    {"role": "user", "content": "And of Italy?"},
    {"role": "assistant", "content": "Rome, of course."},
]


@pytest.fixture(scope="module")
def tok(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def label_spans(enc: Encoded) -> list[list[int]]:
    """Contiguous runs of labelled tokens."""
    spans, current = [], []
    for ids_tok, label in zip(enc.input_ids, enc.labels):
        if label == IGNORE:
            if current:
                spans.append(current)
            current = []
        else:
            assert label == ids_tok, "a label must be the token at the same position"
            current.append(label)
    if current:
        spans.append(current)
    return spans


def test_template_has_no_generation_tags(tok):
    # The masking must work without {% generation %}: make sure the fixture tests exactly that case.
    assert "generation" not in tok.chat_template.replace("add_generation_prompt", "")


def test_labels_are_exactly_each_assistant_answer_plus_im_end(tok):
    enc = encode_messages(tok, TWO_TURNS)
    assert len(enc.input_ids) == len(enc.labels)
    spans = [tok.decode(s) for s in label_spans(enc)]
    assert spans == ["Paris.<|im_end|>\n", "Rome, of course.<|im_end|>\n"]


def test_user_and_system_tokens_are_not_labelled(tok):
    enc = encode_messages(tok, TWO_TURNS)
    masked = tok.decode([t for t, lab in zip(enc.input_ids, enc.labels) if lab == IGNORE])
    for text in ("Answer briefly.", "What is the capital of France?", "And of Italy?", "<|im_start|>user",
                 "<|im_start|>system", "<|im_start|>assistant"):
        assert text in masked
    labelled = tok.decode([t for t in enc.labels if t != IGNORE])
    for text in ("France", "Italy", "Answer briefly", "<|im_start|>"):
        assert text not in labelled


def test_input_ids_equal_tokenizing_the_whole_rendered_conversation(tok):
    enc = encode_messages(tok, TWO_TURNS)
    text = tok.apply_chat_template(TWO_TURNS, tokenize=False)
    assert enc.input_ids == tok(text, add_special_tokens=False)["input_ids"]
    assert enc.input_ids == tok(text)["input_ids"]  # this tokenizer adds no BOS


def test_default_system_prompt_is_in_the_prompt_not_the_labels(tok):
    msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello there"}]
    enc = encode_messages(tok, msgs)
    assert tok.decode(enc.input_ids).startswith("<|im_start|>system\nYou are a helpful assistant.")
    assert [tok.decode(s) for s in label_spans(enc)] == ["hello there<|im_end|>\n"]


def test_chinese_answer_round_trips(tok):
    msgs = [{"role": "user", "content": "你是谁？"}, {"role": "assistant", "content": "我是小黄，由魔搭训练。"}]
    enc = encode_messages(tok, msgs)
    assert [tok.decode(s) for s in label_spans(enc)] == ["我是小黄，由魔搭训练。<|im_end|>\n"]
    assert enc.input_ids == tok(tok.apply_chat_template(msgs, tokenize=False))["input_ids"]


def test_prompt_ids_end_with_the_assistant_header(tok):
    ids = prompt_ids(tok, TWO_TURNS[:4])
    assert tok.decode(ids).endswith("And of Italy?<|im_end|>\n<|im_start|>assistant\n")
    full = encode_messages(tok, TWO_TURNS).input_ids
    assert full[: len(ids)] == ids


# --- truncation ------------------------------------------------------------------------------------

def test_truncation_policies_on_a_real_row(tok):
    enc = encode_messages(tok, TWO_TURNS)
    n = len(enc.input_ids)
    assert truncate(enc, n, "delete") is enc  # fits: untouched
    assert truncate(enc, n - 1, "delete") is None
    k = n - 5
    left = truncate(enc, k, "left")
    assert left.input_ids == enc.input_ids[-k:] and left.labels == enc.labels[-k:]
    right = truncate(enc, k, "right")
    assert right.input_ids == enc.input_ids[:k] and right.labels == enc.labels[:k]
    # left keeps the latest answer whole; right keeps the first answer whole
    assert tok.decode(label_spans(left)[-1]) == "Rome, of course.<|im_end|>\n"
    assert tok.decode(label_spans(right)[0]) == "Paris.<|im_end|>\n"


def test_truncation_that_cuts_every_label_drops_the_row(tok):
    enc = encode_messages(tok, TWO_TURNS)
    first_label = next(i for i, lab in enumerate(enc.labels) if lab != IGNORE)
    assert truncate(enc, first_label, "right") is None
    assert truncate(enc, first_label + 1, "right") is not None


def test_truncation_on_synthetic_ids():
    enc = Encoded([1, 2, 3, 4, 5, 6], [IGNORE, IGNORE, IGNORE, 4, 5, 6])
    assert truncate(enc, 4, "left") == Encoded([3, 4, 5, 6], [IGNORE, 4, 5, 6])
    assert truncate(enc, 4, "right") == Encoded([1, 2, 3, 4], [IGNORE, IGNORE, IGNORE, 4])
    assert truncate(enc, 3, "right") is None
    assert truncate(enc, 5, "delete") is None


def test_encode_text_labels_every_token_and_appends_eos(tok):
    enc = encode_text(tok, "Once upon a time")
    assert enc.labels == enc.input_ids
    assert enc.input_ids[-1] == tok.eos_token_id
    assert tok.decode(enc.input_ids[:-1]) == "Once upon a time"


# --- templates that rewrite history ----------------------------------------------------------------

# Drops the content of an assistant turn once a later message exists (as reasoning templates do with
# <think> blocks): the render of the first k turns is not a prefix of the render of k+1 turns.
REWRITING_TEMPLATE = (
    "{%- for m in messages %}"
    "{%- if m['role'] == 'assistant' and not loop.last %}"
    "{{- '<|im_start|>assistant\\n<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def test_template_that_rewrites_earlier_turns_is_refused(tiny_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    tok.chat_template = REWRITING_TEMPLATE
    # One answer is fine: nothing earlier to rewrite.
    enc = encode_messages(tok, TWO_TURNS[:3])
    assert [tok.decode(s) for s in label_spans(enc)] == ["Paris.<|im_end|>\n"]
    with pytest.raises(UsageError) as info:
        encode_messages(tok, TWO_TURNS)
    msg = str(info.value)
    assert "template" in msg and "--template" in msg


def test_split_cuts_a_long_row_into_max_length_rows_whose_first_token_has_no_label():
    from swift_cli.engine.data.encode import split_rows

    enc = Encoded(list(range(1, 11)), list(range(1, 11)))
    pieces = split_rows(enc, 4)
    assert [p.input_ids for p in pieces] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    assert [p.labels for p in pieces] == [[IGNORE, 2, 3, 4], [IGNORE, 6, 7, 8], [IGNORE, 10]]
    assert split_rows(enc, 10) == [enc]  # fits: one row, untouched
    prompt_only = Encoded([1, 2, 3, 4, 5], [IGNORE, IGNORE, IGNORE, IGNORE, 5])
    assert [p.input_ids for p in split_rows(prompt_only, 2)] == []  # no piece keeps a label: nothing to learn



def test_loss_scale_last_round_all_and_ignore_empty_think(tok):
    """ms-swift's --loss_scale strategies, on the same tokens as default."""
    default = encode_messages(tok, TWO_TURNS)
    last = encode_messages(tok, TWO_TURNS, "last_round")
    every = encode_messages(tok, TWO_TURNS, "all")
    assert default.input_ids == last.input_ids == every.input_ids
    assert [tok.decode(s) for s in label_spans(last)] == [tok.decode(label_spans(default)[-1])]
    assert "Rome" in tok.decode(label_spans(last)[0]) and len(label_spans(default)) == 2
    assert every.labels == every.input_ids  # every token, the prompt too
    think = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "<think>\n\n</think>\n\nHello."}]
    plain, ignored = encode_messages(tok, think), encode_messages(tok, think, "ignore_empty_think")
    assert "<think>" in tok.decode(label_spans(plain)[0])
    assert [tok.decode(s) for s in label_spans(ignored)] and all("think>" not in tok.decode(s)
                                                                 for s in label_spans(ignored))
    assert "Hello." in tok.decode(label_spans(ignored)[0])


def test_loss_scale_agent_weightings_are_refused_by_name():
    from swift_cli.commands.sft import loss_scale_problem

    assert loss_scale_problem("last_round+ignore_empty_think") is None
    assert "hermes re-weights agent spans" in loss_scale_problem("hermes")
    assert "use --loss_scale default" in loss_scale_problem("react")
    assert "unknown part bogus" in loss_scale_problem("default+bogus")
