"""ms-swift's plugin names, while a plugin file written for ms-swift is imported: `from swift.rewards import ORM,
orms` (4.x), `from swift.plugin import ORM, orms` (older) and `from swift.utils import get_logger`. The modules exist
only during the import (a fresh `orms` registry each time) and never when a real ms-swift is installed, whose own
modules the plugin then gets."""
from __future__ import annotations

import contextlib
import importlib.util
import logging
import sys
import types


class ORM:
    """An outcome reward model as ms-swift's plugins subclass it: `__call__(completions, **columns) -> floats`."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, completions, **kwargs) -> list[float]:
        raise NotImplementedError("an ORM subclass defines __call__(self, completions, **kwargs)")


class PRM(ORM):
    """A process reward model (same calling convention here)."""


def _modules() -> dict[str, types.ModuleType]:
    orms: dict = {}
    prms: dict = {}
    mods = {}
    for name in ("swift", "swift.rewards", "swift.plugin", "swift.plugin.orm", "swift.utils"):
        mod = types.ModuleType(name)
        mod.__path__ = []  # a package, so that submodule imports resolve through sys.modules
        mods[name] = mod
    for name in ("swift.rewards", "swift.plugin", "swift.plugin.orm"):
        mods[name].__dict__.update(ORM=ORM, PRM=PRM, orms=orms, prms=prms)
    mods["swift.utils"].get_logger = lambda name=None: logging.getLogger(name or "swift")
    mods["swift"].rewards, mods["swift"].plugin, mods["swift"].utils = (mods["swift.rewards"], mods["swift.plugin"],
                                                                        mods["swift.utils"])
    mods["swift.plugin"].orm = mods["swift.plugin.orm"]
    return mods


@contextlib.contextmanager
def ms_swift_names():
    """Provide the names for the duration of the `with` block (unless ms-swift itself is installed)."""
    if "swift" in sys.modules or importlib.util.find_spec("swift") is not None:
        yield
        return
    mods = _modules()
    sys.modules.update(mods)
    try:
        yield
    finally:
        for name in mods:
            sys.modules.pop(name, None)
