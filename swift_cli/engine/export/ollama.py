"""Ollama Modelfile for an exported GGUF: Go-template TEMPLATE derived from the chat template, stop tokens."""
from __future__ import annotations

import re
from pathlib import Path

# Ollama passes the system prompt twice: as .System and as a "system" entry of .Messages, so the loop skips
# system entries (else a conversation with a system message renders it twice; tests/real/test_gguf.py).
CHATML = (
    '{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}'
    '{{- range .Messages }}{{- if ne .Role "system" }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}'
    '{{- end }}<|im_start|>assistant\n'
)
LLAMA3 = (
    '{{- if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}'
    '{{- range .Messages }}{{- if ne .Role "system" }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n'
    '{{ .Content }}<|eot_id|>{{ end }}{{- end }}<|start_header_id|>assistant<|end_header_id|>\n\n'
)
DEFAULT_PARAMETERS = {"temperature": 0.7, "top_p": 0.8, "repeat_penalty": 1.05, "num_ctx": 4096}


def template_family(chat_template: str | None) -> str | None:
    if not chat_template:
        return None
    if "<|im_start|>" in chat_template:
        return "chatml"
    if "<|start_header_id|>" in chat_template:
        return "llama3"
    return None


def default_system(chat_template: str | None) -> str | None:
    """The system prompt a Qwen-style template inserts when none is given (Ollama needs it as SYSTEM)."""
    if not chat_template:
        return None
    # the newline is an escape (\\n) inside a Jinja string in Qwen's template, a real one in SmolLM2's
    m = re.search(r"<\|im_start\|>system(?:\\n|\n)([^<'\"]+)<\|im_end\|>", chat_template)
    return m.group(1) if m else None


def modelfile(gguf_name: str, chat_template: str | None, stop: list[str], system: str | None,
              context_length: int) -> tuple[str, list[str]]:
    """(Modelfile text, warnings)."""
    warnings = []
    family = template_family(chat_template)
    lines = [f"FROM ./{gguf_name}", ""]
    if family:
        body = CHATML if family == "chatml" else LLAMA3
        lines += [f'TEMPLATE """{body}"""', ""]
    else:
        warnings.append("chat template is neither ChatML nor Llama-3: no TEMPLATE written; Ollama will use "
                        "the template stored in the GGUF if it recognises it")
    system = system or default_system(chat_template)
    if system:
        lines += [f'SYSTEM """{system}"""', ""]
    for s in dict.fromkeys(stop):
        lines.append(f'PARAMETER stop "{s}"')
    params = dict(DEFAULT_PARAMETERS, num_ctx=min(DEFAULT_PARAMETERS["num_ctx"], context_length))
    for key, value in params.items():
        lines.append(f"PARAMETER {key} {value}")
    return "\n".join(lines) + "\n", warnings


def stop_tokens(tokenizer, chat_template: str | None) -> list[str]:
    """End-of-turn strings: the eos token plus the template family's end markers present in the vocab."""
    vocab = tokenizer.get_vocab()
    candidates = [tokenizer.eos_token, "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>"]
    return [c for c in dict.fromkeys(candidates) if c and c in vocab]


def write_modelfile(folder: Path, gguf_name: str, tokenizer, system: str | None, context_length: int) -> list[str]:
    from swift_cli.engine.export.gguf_writer import strip_generation_tags

    template = strip_generation_tags(tokenizer.chat_template or "")
    text, warnings = modelfile(gguf_name, template, stop_tokens(tokenizer, template), system, context_length)
    (folder / "Modelfile").write_text(text, encoding="utf-8")
    return warnings
