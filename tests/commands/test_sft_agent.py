"""`swift sft --agent_template hermes|react_en` on a small tool-calling dataset in ms-swift's layout (a `tools`
column, tool_call / tool_response turns): the tiny model learns to emit the call format with the right function."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import swift

TOOLS = [{"name": "get_weather", "description": "weather"}, {"name": "get_time", "description": "time"}]


def _row(kind: str, city: str) -> dict:
    name, answer = ("get_weather", "sunny") if kind == "weather" else ("get_time", "10:00")
    return {"tools": json.dumps(TOOLS), "messages": [
        {"role": "user", "content": f"What is the {kind} in {city}?"},
        {"role": "tool_call", "content": json.dumps({"name": name, "arguments": {"city": city}})},
        {"role": "tool_response", "content": answer},
        {"role": "assistant", "content": f"In {city} it is {answer}."}]}


@pytest.fixture(scope="module")
def agent_data(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("agent") / "tools.jsonl"
    rows = [_row("weather", "Paris"), _row("time", "Rome")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _train(tiny_model, data: Path, out: Path, template: str) -> Path:
    proc = swift("sft", "--model", tiny_model, "--dataset", data, "--agent_template", template, "--train_type", "full",
                 "--learning_rate", "3e-3", "--max_steps", "150", "--save_steps", "150", "--logging_steps", "10",
                 "--per_device_train_batch_size", "2", "--gradient_checkpointing", "false", "--report_to", "none",
                 "--max_length", "1024", "--output_dir", out, "--seed", "1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "no effect" not in proc.stderr  # --agent_template is acted on, not a compat note
    (ckpt,) = out.glob("v*/checkpoint-150")
    return ckpt


def _answer(ckpt: Path, template: str, question: str) -> str:
    """Greedy answer of the trained model to a training prompt, rendered as training rendered it."""
    from swift_cli.commands.infer import InferConfig
    from swift_cli.engine.data import agent
    from swift_cli.engine.generate import ChatModel, GenParams
    from swift_cli.options.parse import parse_command

    _, cfg = parse_command(InferConfig, ["--model", str(ckpt)])
    chat = ChatModel(cfg.model, use_cpu=True)
    messages = agent.apply([{"role": "user", "content": question}], agent.parse_tools(json.dumps(TOOLS)), template)
    return chat.generate(messages, GenParams(max_new_tokens=48))[0]


@pytest.mark.parametrize("template, call", [
    ("hermes", '<tool_call>\n{"name": "get_time", "arguments": {"city": "Rome"}}\n</tool_call>'),
    ("react_en", 'Action: get_time\nAction Input: {"city": "Rome"}\nObservation:')])
def test_tiny_model_learns_the_call_format(tiny_model, agent_data, tmp_path, template, call):
    ckpt = _train(tiny_model, agent_data, tmp_path / template, template)
    text = _answer(ckpt, template, "What is the time in Rome?")
    other = _answer(ckpt, template, "What is the weather in Paris?")
    print(f"{template}: {text!r} / {other!r}")
    assert call in text
    assert call.replace("get_time", "get_weather").replace("Rome", "Paris") in other


def test_tool_rows_without_a_format_and_unknown_templates_are_one_line_errors(tiny_model, agent_data, tmp_path):
    base = ["sft", "--model", tiny_model, "--dataset", agent_data, "--max_steps", "1", "--output_dir", tmp_path]
    proc = swift(*base)  # the tiny model's chat template does not read `tools`
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert re.fullmatch(rf"error: {re.escape(str(agent_data))}:[12]: has tools / tool calls, but the model's chat "
                        r"template does not read `tools`; pass --agent_template \(hermes or react_en\) to format them\n",
                        proc.stderr), proc.stderr
    proc = swift(*base, "--agent_template", "qwen_en")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "--agent_template" in proc.stderr
