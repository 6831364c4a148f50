"""The web UI is a front door: it imports the job core and swift_cli's options/renderer/planner, the wizard's words
(wizard/i18n.py) and nothing of another front door; nothing below imports it; `swift --help` does not load it."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO
from tests.structure.test_import_cycles import import_graph


def test_arrows_point_down():
    graph = import_graph()
    for mod, targets in graph.items():
        if mod.startswith("webui"):
            assert not {t for t in targets if t.startswith(("bot", "wizard")) and t != "wizard.i18n"}, mod
        elif mod.startswith(("jobs", "hardware", "swift_cli.engine", "swift_cli.options", "wizard")):
            assert not {t for t in targets if t.startswith("webui")}, mod
    users = {m for m, t in graph.items() if any(x.startswith("webui") for x in t) and not m.startswith("webui")}
    assert users == {"swift_cli.commands.web_ui", "swift_cli.commands.chat_app"}


def test_help_stays_light():
    code = ("import sys; from swift_cli.app import app; sys.argv=['swift','--help']\ntry: app()\nexcept SystemExit: pass\n"
            "print('LOADED', sorted(m for m in ('fastapi','uvicorn','webui','torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO).stdout
    assert "web-ui" in out and "LOADED []" in out, out
