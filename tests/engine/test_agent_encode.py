"""Tool-calling rows in ms-swift's layout (a `tools` column, tool_call / tool_response turns): how each
--agent_template renders them and which tokens are labelled, on the tiny model's real tokenizer."""
from __future__ import annotations

import json
import shutil

import pytest

from swift_cli.engine.data import agent
from swift_cli.engine.data.build import Item, encode_item, normalise
from swift_cli.engine.data.encode import IGNORE
from swift_cli.engine.data.formats import RowError, to_messages
from swift_cli.engine.data.readers import Row
from swift_cli.errors import UsageError

WEATHER = {"name": "get_weather", "description": "Current weather of a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
ROW = {"tools": json.dumps([WEATHER]),
       "messages": [{"role": "user", "content": "Weather in Paris?"},
                    {"role": "tool_call", "content": '{"name": "get_weather", "arguments": {"city": "Paris"}}'},
                    {"role": "tool_response", "content": '{"temp": 21, "sky": "sunny"}'},
                    {"role": "assistant", "content": "It is sunny and 21 degrees in Paris."}]}

# Qwen2.5's tools rules in small (system with <tools>, tool_calls as <tool_call>, tool turns as <tool_response>)
TOOLS_TEMPLATE = (
    "{%- if tools %}<|im_start|>system\n# Tools\n<tools>{% for t in tools %}\n{{ t | tojson }}{% endfor %}\n"
    "</tools><|im_end|>\n{%- endif %}"
    "{%- for m in messages %}"
    "{%- if m.role == 'tool' %}<|im_start|>user\n<tool_response>\n{{ m.content }}\n</tool_response><|im_end|>\n"
    "{%- elif m.role == 'assistant' %}<|im_start|>assistant\n{{ m.content }}"
    "{%- for c in m.tool_calls or [] %}<tool_call>\n{\"name\": \"{{ c.function.name }}\", \"arguments\": "
    "{{ c.function.arguments | tojson }}}\n</tool_call>{%- endfor %}<|im_end|>\n"
    "{%- else %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}<|im_start|>assistant\n{%- endif %}")


@pytest.fixture(scope="module")
def tok(tiny_model):
    from swift_cli.engine import models

    return models.load_tokenizer(tiny_model)


def _item(row=ROW) -> Item:
    items, problems = normalise([Row("data.jsonl:1", row)], "sft", None)
    assert not problems, problems
    return items[0]


def _split(tok, enc):
    """(whole text, labelled text, unlabelled text)."""
    return (tok.decode(enc.input_ids), tok.decode([t for t in enc.labels if t != IGNORE]),
            tok.decode([t for t, lab in zip(enc.input_ids, enc.labels) if lab == IGNORE]))


def test_rows_are_read_in_ms_swift_and_older_layouts():
    item = _item()
    assert [m["role"] for m in item.messages] == ["user", "tool_call", "tool", "assistant"]
    assert item.tools == [{"type": "function", "function": WEATHER}]
    old = {"tools": [WEATHER], "conversations": [
        {"from": "user", "value": "Weather in Paris?"},
        {"from": "function_call", "value": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
        {"from": "observation", "value": "sunny"}, {"from": "assistant", "value": "Sunny."}]}
    assert [m["role"] for m in to_messages(old)] == ["user", "tool_call", "tool", "assistant"]
    openai_style = {"messages": [{"role": "user", "content": "Weather in Paris?"},
                                 {"role": "assistant", "content": None, "tool_calls": [
                                     {"type": "function", "function": {"name": "get_weather",
                                                                       "arguments": '{"city": "Paris"}'}}]}]}
    (call,) = [m for m in to_messages(openai_style) if m["role"] == "tool_call"]
    assert agent.parse_call(call["content"], "t") == {"name": "get_weather", "arguments": {"city": "Paris"}}
    with pytest.raises(RowError, match="tools is not valid JSON"):
        agent.parse_tools("[{oops")


def test_hermes_tools_in_system_calls_labelled_responses_not(tok):
    whole, labelled, unlabelled = _split(tok, encode_item(_item(), tok, agent_template="hermes"))
    assert "<tools>\n" + json.dumps({"type": "function", "function": WEATHER}) + "\n</tools>" in whole
    call = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
    assert labelled == call + "<|im_end|>\n" + "It is sunny and 21 degrees in Paris.<|im_end|>\n"
    assert "<|im_start|>user\n<tool_response>\n{\"temp\": 21, \"sky\": \"sunny\"}\n</tool_response>" in unlabelled
    assert "<tools>" in unlabelled and "Weather in Paris?" in unlabelled


def test_react_en_calls_and_answer_labelled_observation_not(tok):
    whole, labelled, unlabelled = _split(tok, encode_item(_item(), tok, agent_template="react_en"))
    assert "Action: the action to take, should be one of [get_weather]" in whole
    assert "get_weather: Call this tool to interact with the get_weather API" in whole
    assert ('Action: get_weather\nAction Input: {"city": "Paris"}\nObservation:{"temp": 21, "sky": "sunny"}\n'
            "It is sunny") in whole  # one assistant turn: call, the tool's answer, the final answer
    assert labelled == ('Action: get_weather\nAction Input: {"city": "Paris"}\nObservation:'
                        "It is sunny and 21 degrees in Paris.<|im_end|>\n")
    assert '{"temp": 21, "sky": "sunny"}' in unlabelled and "sunny" not in labelled.split("Observation:")[0]


def test_no_agent_template_uses_the_chat_templates_tools_or_says_what_to_pass(tok, tiny_model, tmp_path):
    with pytest.raises(UsageError, match=r"data.jsonl:1: .*does not read `tools`; pass --agent_template"):
        encode_item(_item(), tok)
    from swift_cli.engine import models

    path = tmp_path / "tiny-tools"
    shutil.copytree(tiny_model, path)
    (path / "chat_template.jinja").write_text(TOOLS_TEMPLATE, encoding="utf-8")
    native = models.load_tokenizer(path)
    whole, labelled, unlabelled = _split(native, encode_item(_item(), native))
    assert "<tools>" + json.dumps({"type": "function", "function": WEATHER}) in whole  # tools= reached it
    squeezed = "".join(labelled.split())  # (the little template's newlines are not the point)
    assert squeezed == ('<tool_call>{"name":"get_weather","arguments":{"city":"Paris"}}</tool_call><|im_end|>'
                        "Itissunnyand21degreesinParis.<|im_end|>")
    assert "<tool_response>" in unlabelled and "Weather in Paris?" in unlabelled


def test_rows_without_tools_encode_as_before(tok):
    from swift_cli.engine.data.encode import encode_messages

    plain = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    assert encode_item(_item(plain), tok, agent_template="hermes") == encode_messages(tok, to_messages(plain))
