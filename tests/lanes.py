"""Test lanes. The fast lane is the pure tests (option parsing and rendering, the planner and estimator, the
import graph, `swift --help`): no engine import in the test process, well under a minute; CI runs it first
(scripts/run_tests.sh --lanes), then the engine lane (everything else). `pytest` with no -m runs both."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FAST = ("tests/options", "tests/structure", "tests/test_cli_help.py", "tests/hardware/test_memory.py",
        "tests/hardware/test_plan.py", "tests/hardware/test_contract.py", "tests/commands/test_plan_keeps_word.py",
        "tests/packaging/test_lock.py")
ENGINES = ("torch", "transformers", "peft", "trl", "datasets")


def pytest_configure(config):
    config.addinivalue_line("markers", "fast: pure test (no engine import); the first CI lane")


def pytest_collection_modifyitems(config, items):
    for item in items:
        rel = Path(str(item.fspath)).resolve().relative_to(REPO).as_posix()
        if any(rel == p or rel.startswith(p + "/") for p in FAST):
            item.add_marker(pytest.mark.fast)


def pytest_sessionfinish(session, exitstatus):
    """In the fast lane, an engine imported by a test (or by the code it calls) fails the lane."""
    if session.config.getoption("markexpr", "") != "fast":
        return
    loaded = [m for m in ENGINES if m in sys.modules]
    if loaded:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"fast lane imported engines: {', '.join(loaded)}", red=True)
        session.exitstatus = 1
