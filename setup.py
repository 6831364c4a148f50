"""Packaging hook (metadata lives in pyproject.toml): the built-in recipes are kept at the repository root
(recipes/, where users and the README find them) and shipped inside the package as swift_cli/recipes/, so that
`swift demo` and `swift sft --config tiny-self-cognition` work from a regular (non-editable) install."""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithRecipes(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "swift_cli" / "recipes"
        target.mkdir(parents=True, exist_ok=True)
        for recipe in sorted((HERE / "recipes").glob("*.yaml")):
            shutil.copy2(recipe, target / recipe.name)


setup(cmdclass={"build_py": BuildWithRecipes})
