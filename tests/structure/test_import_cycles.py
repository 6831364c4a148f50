"""The package's static import graph (every import statement, module level or inside a function) has no cycle.

A function-level import still ties two modules together: whoever changes one must know the other, and a cycle
means neither can be understood (or tested) alone. Pure: reads the source with ast, imports nothing."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("swift_cli", "hardware", "wizard", "jobs", "webui", "bot")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module → the project modules it imports (a package import counts as its __init__)."""
    files = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    pkg = pkg[:len(pkg) - node.level + 1]
                    base = ".".join(pkg + ([base] if base else []))
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for t in targets:
                # `from pkg import mod` names a module; `from mod import func` names the module itself.
                while t and t not in files:
                    t = t.rpartition(".")[0]
                if t and t != mod:
                    graph[mod].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            # a package __init__ importing its own submodules is how packages re-export; not a cycle of code
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_graph_sees_function_level_imports():
    graph = import_graph()
    # planning imports the renderer at module level and hardware.plan inside a function: both are edges
    assert "swift_cli.options.render" in graph["swift_cli.engine.planning"]
    assert "hardware.plan" in graph["swift_cli.engine.planning"]


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" → ".join(c) for c in found)


def test_arrows_point_down_front_doors_never_import_each_other():
    """shared/design.md: the web UI and the bot are front doors over jobs/; neither imports the other, and the job
    core, hardware/ and swift_cli/ import neither (swift_cli's commands start them by name, lazily, through app.py's
    table, which names modules as strings)."""
    graph = import_graph()
    doors = ("webui", "bot")
    bad = [f"{m} → {t}" for m, targets in graph.items() for t in targets
           if any(t.split(".")[0] == d and m.split(".")[0] not in (d, "swift_cli") for d in doors)
           or (m.split(".")[0] == "swift_cli" and t.split(".")[0] in doors
               and not m.startswith(("swift_cli.commands.web_ui", "swift_cli.commands.chat_app",
                                     "swift_cli.commands.bot")))]
    assert not bad, "imports against the arrows: " + "; ".join(sorted(bad))
