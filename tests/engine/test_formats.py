"""Row formats -> OpenAI-style messages (sft) or text (pt), and the reasons bad rows give."""
from __future__ import annotations

import pytest

from swift_cli.engine.data.formats import RowError, to_messages, to_text


def U(text):
    return {"role": "user", "content": text}


def A(text):
    return {"role": "assistant", "content": text}


def S(text):
    return {"role": "system", "content": text}


def row_error(row) -> str:
    with pytest.raises(RowError) as info:
        to_messages(row)
    return str(info.value)


# --- every format ----------------------------------------------------------------------------------

def test_messages_with_system_kept_as_is():
    msgs = [S("Be brief."), U("hi"), A("hello"), U("bye"), A("ciao")]
    assert to_messages({"messages": msgs}) == msgs


def test_sharegpt_from_value_with_role_aliases():
    row = {"conversations": [{"from": "system", "value": "sys"}, {"from": "human", "value": "q1"},
                             {"from": "gpt", "value": "a1"}, {"from": "user", "value": "q2"},
                             {"from": "assistant", "value": "a2"}]}
    assert to_messages(row) == [S("sys"), U("q1"), A("a1"), U("q2"), A("a2")]


def test_conversations_with_role_content_keys():
    row = {"conversations": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    assert to_messages(row) == [U("q"), A("a")]


def test_alpaca_with_input_history_and_system():
    row = {"system": "You are terse.", "instruction": "Translate", "input": "bonjour", "output": "hello",
           "history": [["first q", "first a"]]}
    assert to_messages(row) == [S("You are terse."), U("first q"), A("first a"), U("Translate\nbonjour"),
                                A("hello")]


def test_alpaca_without_input_or_empty_input():
    assert to_messages({"instruction": "Say hi", "input": "", "output": "hi"}) == [U("Say hi"), A("hi")]
    assert to_messages({"instruction": "Say hi", "output": "hi"}) == [U("Say hi"), A("hi")]


def test_query_response_with_history():
    row = {"query": "q3", "response": "a3", "history": [["q1", "a1"], ["q2", "a2"]]}
    assert to_messages(row) == [U("q1"), A("a1"), U("q2"), A("a2"), U("q3"), A("a3")]


def test_prompt_completion_strings():
    assert to_messages({"prompt": "2+2?", "completion": "4"}) == [U("2+2?"), A("4")]


def test_prompt_completion_lists():
    row = {"prompt": [S("math"), U("2+2?")], "completion": [A("4")]}
    assert to_messages(row) == [S("math"), U("2+2?"), A("4")]


@pytest.mark.parametrize("row", [
    {"messages": [U("q"), A("a")]},
    {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
    {"instruction": "q", "output": "a"},
    {"query": "q", "response": "a"},
    {"prompt": "q", "completion": "a"},
])
def test_top_level_system_is_prepended_for_every_format(row):
    assert to_messages({**row, "system": "SYS"}) == [S("SYS"), U("q"), A("a")]


def test_top_level_system_does_not_duplicate_an_existing_one():
    row = {"system": "outer", "messages": [S("inner"), U("q"), A("a")]}
    assert to_messages(row) == [S("inner"), U("q"), A("a")]


# --- errors ----------------------------------------------------------------------------------------

def test_messages_item_with_text_instead_of_content():
    msg = row_error({"messages": [{"role": "user", "text": "hi"}, {"role": "assistant", "content": "yo"}]})
    assert "'content'" in msg
    assert "'text'" in msg
    assert "messages[0]" in msg


def test_sharegpt_item_missing_value_names_found_keys():
    msg = row_error({"conversations": [{"from": "human", "content": "q"}, {"from": "gpt", "value": "a"}]})
    assert "'value'" in msg and "'content'" in msg and "conversations[0]" in msg


def test_raw_text_row_points_to_swift_pt():
    msg = row_error({"text": "Once upon a time"})
    assert "swift pt" in msg
    assert "'text'" in msg


def test_unknown_format_lists_keys_and_formats_without_pt_hint():
    msg = row_error({"question": "q", "answer": "a"})
    assert "'question'" in msg and "'answer'" in msg
    assert "messages" in msg and "query/response" in msg
    assert "swift pt" not in msg


def test_last_turn_not_assistant():
    msg = row_error({"messages": [U("q"), A("a"), U("dangling")]})
    assert "last turn" in msg and "'user'" in msg


def test_no_assistant_at_all():
    assert "assistant" in row_error({"messages": [S("s"), U("q")]})


@pytest.mark.parametrize("row", [
    {"messages": [U("q"), A("   ")]},
    {"query": "q", "response": ""},
    {"instruction": "q", "output": "\n"},
    {"prompt": "q", "completion": ""},
])
def test_empty_assistant_answer(row):
    msg = row_error(row)
    assert "empty" in msg and "assistant" in msg


def test_unknown_role_and_non_string_content_and_bad_history():
    assert "'robot'" in row_error({"messages": [{"role": "robot", "content": "q"}, A("a")]})
    assert "string" in row_error({"messages": [U("q"), {"role": "assistant", "content": 42}]})
    assert "history[0]" in row_error({"query": "q", "response": "a", "history": [["only one"]]})


def test_system_in_the_middle_and_missing_user_and_non_object_row():
    assert "system" in row_error({"messages": [U("q"), S("s"), A("a")]})
    assert "user" in row_error({"messages": [S("s"), A("a")]})
    assert "JSON object" in row_error(["q", "a"])
    assert "non-empty list" in row_error({"messages": []})


def test_half_formats_name_the_missing_key():
    assert "'output'" in row_error({"instruction": "q"})
    assert "'instruction'" in row_error({"output": "a"})
    assert "'response'" in row_error({"query": "q"})


# --- pt --------------------------------------------------------------------------------------------

def test_to_text_reads_text_or_content():
    assert to_text({"text": "Once upon a time"}) == "Once upon a time"
    assert to_text({"content": "Es war einmal"}) == "Es war einmal"


def test_to_text_flattens_a_conversation():
    assert to_text({"query": "q", "response": "a", "system": "s"}) == "s\nq\na"
    assert to_text({"messages": [U("hello"), A("world")]}) == "hello\nworld"


def test_to_text_errors():
    with pytest.raises(RowError, match="empty"):
        to_text({"text": "   "})
    with pytest.raises(RowError, match="'body'"):
        to_text({"body": "no text field"})
    with pytest.raises(RowError, match="string"):
        to_text({"text": 3})
