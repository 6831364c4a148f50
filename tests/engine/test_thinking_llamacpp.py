"""--enable_thinking reaches the llama.cpp backend, which renders the GGUF's own chat template (tokenizer.chat_template
in its metadata) itself: `swift deploy --infer_backend llamacpp` prompts and `swift infer --infer_backend llamacpp`."""
from __future__ import annotations

import pytest

from tests.engine.test_thinking import CHAT, THINKING

EMPTY_THINK = "<|im_start|>assistant\n<think>\n\n</think>\n\n"


@pytest.fixture(scope="module")
def thinking_gguf(tiny_model, tmp_path_factory):
    """The tiny model as an f32 GGUF (our own writer) whose tokenizer.chat_template is the hybrid-thinking one."""
    from swift_cli.engine import models
    from swift_cli.engine.export.gguf_writer import write_gguf

    tok = models.load_tokenizer(tiny_model)
    tok.chat_template = THINKING
    model = models.load_model(tiny_model, models.pick_dtype("float32", "cpu"), "cpu")
    out = tmp_path_factory.mktemp("gguf_think") / "tiny-think-f32.gguf"
    write_gguf(model, tok, tiny_model, out, "f32", "tiny-think")
    return out


def _deploy_prompt(gguf, flags: list[str]) -> str:
    """The prompt the llama.cpp backend of `swift deploy` builds for a chat request (its real engine)."""
    from swift_cli.commands.deploy import DeployConfig
    from swift_cli.engine.serve.llamacpp import LlamaEngine
    from swift_cli.options.parse import parse_command

    _, cfg = parse_command(DeployConfig, ["--model", str(gguf), "--infer_backend", "llamacpp",
                                          "--max_model_len", "256", *flags])
    engine = LlamaEngine(cfg)
    return engine.chat.tokenizer.decode(engine.chat_prompt({"messages": CHAT[:1]}), skip_special_tokens=False)


def test_llamacpp_renders_the_gguf_template_with_enable_thinking(thinking_gguf):
    # the prompt's tokens decoded (llama.cpp's detokenizer drops the <|im_start|> markers)
    assert _deploy_prompt(thinking_gguf, ["--enable_thinking", "false"]).endswith("assistant\n<think>\n\n</think>\n\n")
    for flags in (["--enable_thinking", "true"], []):
        prompt = _deploy_prompt(thinking_gguf, flags)
        assert prompt.endswith("2+2?\nassistant\n") and "<think>" not in prompt


def test_llamacpp_infer_passes_it_and_notes_a_template_that_ignores_it(thinking_gguf, tiny_model, tmp_path):
    from swift_cli.engine import models
    from swift_cli.engine.export.gguf_writer import write_gguf
    from swift_cli.engine.serve.llamacpp import GgufChat
    from tests.conftest import swift

    chat = GgufChat(thinking_gguf, 256, None).think(False)
    assert chat.render(CHAT[:1]).endswith(EMPTY_THINK)
    plain = tmp_path / "tiny-f32.gguf"
    write_gguf(models.load_model(tiny_model, models.pick_dtype("float32", "cpu"), "cpu"),
               models.load_tokenizer(tiny_model), tiny_model, plain, "f32", "tiny")
    proc = swift("infer", "--model", plain, "--infer_backend", "llamacpp", "--enable_thinking", "false",
                 "--query", "hi", "--max_new_tokens", "2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "--enable_thinking false has no effect" in proc.stderr
