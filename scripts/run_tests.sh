#!/usr/bin/env bash
# Install the project with its test dependencies (same path as the one-liner) and run the test suite.
set -euo pipefail
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_dir/scripts/yichuidingyin.sh" --install-only --extras test
cd "$repo_dir"
exec "${YICHUI_HOME:-$HOME/.yichui}/venv/bin/python" -m pytest -q "$@"
