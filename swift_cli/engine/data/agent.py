"""Tool-calling rows in ms-swift's layout, made into conversations the chat template renders (--agent_template).

ms-swift's layout: a `tools` column (a JSON list of function schemas, bare or {"type": "function", "function": ...})
and messages with roles `tool_call` (content: {"name", "arguments"} as JSON) and `tool_response` (older data:
`function_call` / `observation`; formats.py reads both as tool_call / tool). Formats (ms-swift's agent templates):
- hermes: the tools in the system prompt inside <tools></tools>; a call is the assistant's
  `<tool_call>\\n{"name": ..., "arguments": ...}\\n</tool_call>` (several joined by newlines); responses come back as
  a user turn of `<tool_response>\\n...\\n</tool_response>` blocks.
- react_en: the ReAct prompt (tools described one per paragraph) as the system prompt; a call is
  `Action: NAME\\nAction Input: {json}\\nObservation:` and the tool's answer follows inside the same assistant turn,
  after which the assistant goes on (Thought / Final Answer). The arguments are written as JSON.
- none given: a chat template that reads `tools` (Qwen2.5's does) gets them through apply_chat_template(tools=...),
  calls as the assistant's `tool_calls` and responses as `tool` messages; any other template is refused.
Loss: the assistant's calls and answers are labelled; tool responses never are (in react_en they are pieces of the
assistant's turn marked unlabelled, which encode.py honours).
"""
from __future__ import annotations

import json

from swift_cli.engine.data.formats import RowError

AGENT_TEMPLATES = ("hermes", "react_en")
HERMES_HOW = ('For each function call, return a json object with function name and arguments within '
              '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": '
              '<args-json-object>}\n</tool_call>')
REACT_FORMAT = ("Use the following format:\n\nQuestion: the input question you must answer\nThought: you should "
                "always think about what to do\nAction: the action to take, should be one of [{names}]\nAction "
                "Input: the input to the action\nObservation: the result of the action\n... (this Thought/Action/"
                "Action Input/Observation can be repeated zero or more times)\nThought: I now know the final answer\n"
                "Final Answer: the final answer to the original input question\n\nBegin!\n")


def is_agent_row(messages: list[dict], tools) -> bool:
    return bool(tools) or any(m["role"] in ("tool_call", "tool") for m in messages)


def parse_tools(value) -> list[dict]:
    """The `tools` column: a JSON string or a list (of dicts or JSON strings), each wrapped as OpenAI's
    {"type": "function", "function": {...}}."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = _json(value, "tools")
    value = value if isinstance(value, list) else [value]
    tools = []
    for i, tool in enumerate(value):
        tool = _json(tool, f"tools[{i}]") if isinstance(tool, str) else tool
        if not isinstance(tool, dict):
            raise RowError(f"tools[{i}] must be an object (a function schema)")
        tool = tool if "function" in tool else {"type": "function", "function": tool}
        if not tool["function"].get("name"):
            raise RowError(f"tools[{i}] has no name")
        tools.append(tool)
    return tools


def _json(text: str, what: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RowError(f"{what} is not valid JSON ({exc.msg})") from None


def parse_call(content: str, where: str) -> dict:
    """A tool_call message's {"name", "arguments"} (arguments may be given as `parameters`, or as a JSON string)."""
    call = _json(content, where) if isinstance(content, str) else content
    if not isinstance(call, dict) or "name" not in call:
        raise RowError(f"{where} must be a JSON object with 'name' and 'arguments'")
    args = call.get("arguments", call.get("parameters", {}))
    args = _json(args, f"{where} arguments") if isinstance(args, str) and args.strip()[:1] in "{[" else args
    return {"name": call["name"], "arguments": args}


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def hermes_system(tools: list[dict], system: str | None) -> str:
    head = f"{system}\n\n" if system else ""
    return (f"{head}# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided "
            f"with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + "\n".join(_dumps(t) for t in tools) + f"\n</tools>\n\n{HERMES_HOW}")


def react_system(tools: list[dict], system: str | None) -> str:
    descs, names = [], []
    for t in tools:
        f = t["function"]
        names.append(f["name"])
        params = f.get("parameters") or {}
        params = params if isinstance(params, str) else _dumps(params)
        descs.append(f"{f['name']}: Call this tool to interact with the {f['name']} API. What is the {f['name']} API "
                     f"useful for? {f.get('description', '')} Parameters: {params} Format the arguments as a JSON "
                     "object.")
    head = f"{system}\n\n" if system else ""
    return (f"{head}Answer the following questions as best you can. You have access to the following tools:\n\n"
            + "\n\n".join(descs) + "\n\n" + REACT_FORMAT.format(names=",".join(names)))


def _calls(run: list[dict], template: str) -> str:
    calls = [parse_call(m["content"], f"tool_call turn {m.get('_i', '?')}") for m in run]
    if template == "hermes":
        return "\n".join(f"<tool_call>\n{_dumps(c)}\n</tool_call>" for c in calls)
    return "".join(f"Action: {c['name']}\nAction Input: {_dumps(c['arguments'])}\n" for c in calls) + "Observation:"


def _runs(messages: list[dict]):
    """Consecutive messages of the same role (tool_call / tool runs), as (role, [messages])."""
    out: list[tuple[str, list[dict]]] = []
    for i, m in enumerate(messages):
        m = {**m, "_i": i}
        if out and out[-1][0] == m["role"] and m["role"] in ("tool_call", "tool"):
            out[-1][1].append(m)
        else:
            out.append((m["role"], [m]))
    return out


def _add_assistant(out: list[dict], text: str, labelled: bool = True) -> None:
    """Append to the open assistant turn (its pieces: (text, labelled)) or start one."""
    if out and out[-1]["role"] == "assistant":
        last = out[-1]
        last["pieces"] = last.get("pieces") or [(last["content"], True)]
        last["pieces"].append((text, labelled))
        last["content"] += text
    else:
        out.append({"role": "assistant", "content": text, "pieces": [(text, labelled)]})


def apply(messages: list[dict], tools: list[dict], template: str) -> list[dict]:
    """The conversation in `template`'s format (hermes or react_en), ready for the chat template."""
    system = messages[0]["content"] if messages and messages[0]["role"] == "system" else None
    body = messages[1:] if system is not None else messages
    out: list[dict] = []
    if tools:
        out.append({"role": "system", "content": (hermes_system if template == "hermes" else react_system)(
            tools, system)})
    elif system is not None:
        out.append(messages[0])
    for role, run in _runs(body):
        if role == "tool_call":
            _add_assistant(out, _calls(run, template))
        elif role == "tool" and template == "hermes":
            out.append({"role": "user", "content": "\n".join(
                f"<tool_response>\n{m['content']}\n</tool_response>" for m in run)})
        elif role == "tool":
            text = "".join((("Observation:" if k else "") + m["content"] + ("" if m["content"].endswith("\n") else "\n"))
                           for k, m in enumerate(run))
            if out and out[-1]["role"] == "assistant":
                _add_assistant(out, text, labelled=False)
            elif out and out[-1]["role"] == "user":
                out[-1] = {**out[-1], "content": out[-1]["content"] + "\nObservation:\n" + text}
            else:
                raise RowError("a tool response must follow a tool call or a user turn")
        elif role == "assistant" and template == "react_en" and out and out[-1]["role"] == "assistant":
            _add_assistant(out, run[0]["content"])
        else:
            out.append({k: v for k, v in run[0].items() if k != "_i"})
    return out


def native(messages: list[dict]) -> list[dict]:
    """For a chat template that reads `tools`: calls as the assistant's OpenAI-style tool_calls, responses as
    `tool` messages (the template formats both)."""
    out: list[dict] = []
    for role, run in _runs(messages):
        if role == "tool_call":
            calls = [{"type": "function", "function": parse_call(m["content"], f"tool_call turn {m['_i']}")}
                     for m in run]
            if out and out[-1]["role"] == "assistant" and "tool_calls" not in out[-1]:
                out[-1] = {**out[-1], "tool_calls": calls}
            else:
                out.append({"role": "assistant", "content": "", "tool_calls": calls})
        else:
            out += [{k: v for k, v in m.items() if k != "_i"} for m in run]
    return out


def prepare_row(tokenizer, messages: list[dict], tools: list[dict], template: str | None):
    """(messages to render, extra apply_chat_template keyword arguments) for one tool-calling row."""
    if template:
        return apply(messages, tools, template), {}
    if "tools" not in str(getattr(tokenizer, "chat_template", "") or ""):
        raise RowError("has tools / tool calls, but the model's chat template does not read `tools`; pass "
                       f"--agent_template ({' or '.join(AGENT_TEMPLATES)}) to format them")
    return native(messages), ({"tools": tools} if tools else {})
