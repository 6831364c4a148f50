"""A minimal Go text/template renderer: just what Ollama's chat TEMPLATEs use ({{ .Field }}, if/else/end, range,
`eq`/`ne`, `{{-`/`-}}` trimming), with Ollama's rules for what the template sees (its template.go: `collate`
gathers system messages into .System while leaving them in .Messages; a Modelfile SYSTEM is prepended as a
system message when the conversation has none). Ollama itself is not installed here: this stands in for it."""
from __future__ import annotations

import re

_ACTION = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.DOTALL)


def _tokens(src: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    for m in _ACTION.finditer(src):
        text = src[pos:m.start()]
        if m.group(1):
            text = text.rstrip()
        if out and out[-1][0] == "trim_next":
            out.pop()
            text = text.lstrip()
        out.append(("text", text))
        out.append(("action", m.group(2)))
        if m.group(3):
            out.append(("trim_next", ""))
        pos = m.end()
    text = src[pos:]
    if out and out[-1][0] == "trim_next":
        out.pop()
        text = text.lstrip()
    out.append(("text", text))
    return out


def _parse(tokens: list, i: int = 0, stop=("end",)) -> tuple[list, int, str | None]:
    """Nodes until one of `stop` (returns the node list, the next index and the stop word met)."""
    nodes = []
    while i < len(tokens):
        kind, body = tokens[i]
        i += 1
        if kind == "text":
            nodes.append(("text", body))
            continue
        word = body.split()[0] if body else ""
        if word in stop:
            return nodes, i, word
        if word in ("if", "range"):
            then, i, met = _parse(tokens, i, ("end", "else"))
            other = []
            if met == "else":
                other, i, _ = _parse(tokens, i, ("end",))
            nodes.append((word, body[len(word):].strip(), then, other))
        else:
            nodes.append(("expr", body))
    return nodes, i, None


def _value(expr: str, dot: dict, root: dict):
    expr = expr.strip()
    if expr.startswith('"'):
        return expr[1:-1].encode().decode("unicode_escape")
    if expr.startswith("$."):
        return root.get(expr[2:])
    if expr.startswith("."):
        return dot.get(expr[1:])
    parts = re.findall(r'"[^"]*"|\S+', expr)
    if parts[0] in ("eq", "ne"):
        a, b = (_value(p, dot, root) for p in parts[1:3])
        return (a == b) if parts[0] == "eq" else (a != b)
    raise ValueError(f"unsupported template expression: {expr!r}")


def _run(nodes: list, dot: dict, root: dict) -> str:
    out = []
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "expr":
            out.append(str(_value(node[1], dot, root) or ""))
        elif node[0] == "if":
            out.append(_run(node[2] if _value(node[1], dot, root) else node[3], dot, root))
        else:   # range
            items = _value(node[1], dot, root) or []
            out.append("".join(_run(node[2], item, root) for item in items) if items else _run(node[3], dot, root))
    return "".join(out)


def render_ollama(template: str, messages: list[dict], modelfile_system: str | None) -> str:
    """The prompt Ollama's /api/chat builds from `messages` with this TEMPLATE and SYSTEM."""
    msgs = [dict(m) for m in messages]
    if modelfile_system and not any(m["role"] == "system" for m in msgs):
        msgs.insert(0, {"role": "system", "content": modelfile_system})
    system = "\n\n".join(m["content"] for m in msgs if m["role"] == "system")
    collated: list[dict] = []
    for m in msgs:   # consecutive messages of one role are merged
        if collated and collated[-1]["role"] == m["role"]:
            collated[-1]["content"] += "\n\n" + m["content"]
        else:
            collated.append(m)
    root = {"System": system, "Messages": [{"Role": m["role"], "Content": m["content"]} for m in collated]}
    nodes, _, _ = _parse(_tokens(template))
    return _run(nodes, root, root)


def modelfile_fields(text: str) -> tuple[str, str | None]:
    """(TEMPLATE, SYSTEM) of a Modelfile."""
    template = re.search(r'^TEMPLATE """(.*?)"""', text, re.DOTALL | re.MULTILINE).group(1)
    system = re.search(r'^SYSTEM """(.*?)"""', text, re.DOTALL | re.MULTILINE)
    return template, system.group(1) if system else None
