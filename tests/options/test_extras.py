"""The extras table: a missing extra is one line with the exact install command; a present one passes."""
from __future__ import annotations

import pytest

from swift_cli import extras
from swift_cli.errors import RequirementError


def test_missing_extra_names_the_install_command(monkeypatch):
    monkeypatch.setitem(extras.EXTRAS, "nothing", ("a test", ("yichui_no_such_module_xyz",)))
    with pytest.raises(RequirementError) as err:
        extras.require_extra("nothing", flag="--to_nothing")
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("--to_nothing needs the 'nothing' extra (yichui_no_such_module_xyz not installed)")
    assert "--extras nothing" in msg and "yichui[nothing]" in msg


def test_present_extra_passes(monkeypatch):
    monkeypatch.setitem(extras.EXTRAS, "here", ("a test", ("json", "os.path")))
    extras.require_extra("here")
    assert extras.has_extra("here")
