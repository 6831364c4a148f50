"""--enable_thinking reaches the VL processor's tokenizer: the training rows of `swift sft` on an image-text model
and its inference prompts (tests/engine/test_thinking.py covers the text tokenizer)."""
from __future__ import annotations

import json
import shutil

import pytest

from swift_cli.engine.tiny_vl_model import _CONTENT

# Qwen3's hybrid-thinking rule with content parts (images), as the tiny VL model's template renders them
VL_THINKING = ("{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' }}"
               "{%- if message['role'] == 'assistant' %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
               + _CONTENT + "{{- '<|im_end|>\\n' }}{%- endfor %}"
               "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
               "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}"
               "{%- endif %}{%- endif %}")
EMPTY_THINK = "<|im_start|>assistant\n<think>\n\n</think>\n\n"


@pytest.fixture(scope="module")
def vl_thinking(tiny_vl_model, tmp_path_factory):
    """The tiny VL model with a hybrid-thinking template, and a one-image dataset for it."""
    from PIL import Image

    path = tmp_path_factory.mktemp("vlthink") / "tiny-vl-think"
    shutil.copytree(tiny_vl_model, path)
    (path / "chat_template.jinja").write_text(VL_THINKING, encoding="utf-8")
    Image.new("RGB", (56, 56), (200, 30, 30)).save(path.parent / "red.png")
    row = {"messages": [{"role": "user", "content": "<image>What colour?"}, {"role": "assistant", "content": "red"}],
           "images": ["red.png"]}
    (path.parent / "data.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    return path


def _vl_train_row(model, flags: list[str]) -> tuple[str, str]:
    """(prompt, labelled text) of the one training row as `swift sft` encodes it for this VL model."""
    from swift_cli.commands.sft import SftConfig
    from swift_cli.engine.data.encode import IGNORE
    from swift_cli.engine.pipeline import load_base
    from swift_cli.engine.vl.pipeline import prepare
    from swift_cli.options.parse import parse_command

    _, cfg = parse_command(SftConfig, ["--model", str(model), "--dataset", str(model.parent / "data.jsonl"),
                                       "--use_cpu", "true", *flags])
    loaded = load_base(cfg)
    data, _ = prepare(cfg, "sft", loaded)
    enc, tok = data.train[0], loaded.tokenizer
    first = next(i for i, label in enumerate(enc.labels) if label != IGNORE)
    return tok.decode(enc.input_ids[:first]), tok.decode([t for t in enc.labels if t != IGNORE])


def test_vl_training_rows_get_enable_thinking(vl_thinking):
    prompt, answer = _vl_train_row(vl_thinking, ["--enable_thinking", "false"])
    assert prompt.endswith(EMPTY_THINK) and answer == "red<|im_end|>\n"
    prompt, answer = _vl_train_row(vl_thinking, [])  # unset: the template's own (the empty block is answer text)
    assert prompt.endswith("<|im_start|>assistant\n") and answer.startswith("<think>")


def test_vl_inference_prompt_gets_enable_thinking(vl_thinking):
    from swift_cli.commands.infer import InferConfig
    from swift_cli.engine.generate import ChatModel
    from swift_cli.engine.vl.generate import image_message, vl_inputs
    from swift_cli.options.parse import parse_command

    msgs = [image_message("What colour?", [str(vl_thinking.parent / "red.png")])]
    prompts = {}
    for value in ("true", "false"):
        _, cfg = parse_command(InferConfig, ["--model", str(vl_thinking), "--enable_thinking", value])
        chat = ChatModel(cfg.model, use_cpu=True)
        prompts[value] = chat.tokenizer.decode(vl_inputs(chat.vl, msgs, "cpu")["input_ids"][0])
    assert prompts["false"].endswith(EMPTY_THINK) and "<|image_pad|>" in prompts["false"]
    assert prompts["true"].endswith("<|im_start|>assistant\n")
