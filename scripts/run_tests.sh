#!/usr/bin/env bash
# Install the project with its test dependencies (same path as the one-liner) and run the test suite.
#   bash scripts/run_tests.sh            every test (the README's command)
#   bash scripts/run_tests.sh --lanes    CI: `ruff check`, then the fast lane (pure tests, no engine import,
#                                        well under a minute), then the engine lane (the rest)
set -euo pipefail
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_dir/scripts/yichuidingyin.sh" --install-only --extras test
cd "$repo_dir"
py="${YICHUI_HOME:-$HOME/.yichui}/venv/bin/python"
if [[ "${1:-}" == "--lanes" ]]; then
  shift
  echo "== lint: ruff check"
  "$py" -m ruff check .
  # Only the fast files are collected, so an engine imported at module level by any of them fails the lane.
  mapfile -t fast < <("$py" -c 'from tests.lanes import FAST; print("\n".join(FAST))')
  echo "== fast lane: ${fast[*]}"
  "$py" -m pytest -q -m fast "${fast[@]}" "$@"
  echo "== engine lane"
  exec "$py" -m pytest -q -m "not fast" "$@"
fi
exec "$py" -m pytest -q "$@"
