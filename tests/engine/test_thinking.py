"""--enable_thinking (ms-swift's template flag): a hybrid-thinking chat template (Qwen3's shape) gets it on every
render, in training's encoding and in inference prompts; a template that does not read it gets a note."""
from __future__ import annotations

import shutil

import pytest

from swift_cli.engine import models
from swift_cli.engine.data.encode import IGNORE, encode_messages, prompt_ids

# Qwen3's rules in small: an answer is rendered after a (here empty) think block; enable_thinking=false puts that
# empty block after the generation prompt, so the model is asked to answer without thinking
THINKING = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
            "{% if m['role'] == 'assistant' %}<think>\n\n</think>\n\n{% endif %}{{ m['content'] }}<|im_end|>\n"
            "{% endfor %}"
            "{% if add_generation_prompt %}<|im_start|>assistant\n"
            "{% if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n{% endif %}"
            "{% endif %}")
CHAT = [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]


@pytest.fixture(scope="module")
def thinking_model(tiny_model, tmp_path_factory):
    """The tiny model's tokenizer with a hybrid-thinking template."""
    path = tmp_path_factory.mktemp("think") / "tiny-think"
    shutil.copytree(tiny_model, path)
    tok = models.load_tokenizer(path)
    tok.chat_template = THINKING
    tok.save_pretrained(path)
    return path


def _prompt(path, enable_thinking):
    tok = models.load_tokenizer(path)
    models.set_thinking(tok, enable_thinking)
    return tok, tok.decode(prompt_ids(tok, CHAT[:1]))


def test_false_adds_the_empty_think_block_true_and_unset_do_not(thinking_model):
    assert _prompt(thinking_model, False)[1].endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert _prompt(thinking_model, True)[1].endswith("<|im_start|>assistant\n")
    assert _prompt(thinking_model, None)[1].endswith("<|im_start|>assistant\n")


def _labelled(tok, loss_scale="default") -> str:
    enc = encode_messages(tok, CHAT, loss_scale)
    assert "<think>" in tok.decode(enc.input_ids)
    return tok.decode([t for t, label in zip(enc.input_ids, enc.labels) if label != IGNORE])


def test_training_false_puts_the_empty_think_block_in_the_prompt_not_the_labels(thinking_model):
    assert _labelled(_prompt(thinking_model, False)[0]).startswith("4")
    # unset, the empty block is part of the answer (what ms-swift's loss_scale ignore_empty_think is for)
    unset = _prompt(thinking_model, None)[0]
    assert _labelled(unset).startswith("<think>")
    assert _labelled(unset, "ignore_empty_think").startswith("4")


def test_a_template_that_ignores_it_gets_a_note(tiny_model, capsys):
    tok = models.load_tokenizer(tiny_model)
    models.set_thinking(tok, False)
    assert "--enable_thinking false has no effect" in capsys.readouterr().err
    assert "<think>" not in tok.decode(prompt_ids(tok, CHAT[:1]))
