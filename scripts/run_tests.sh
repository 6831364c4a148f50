#!/usr/bin/env bash
# Install the project with its test dependencies (the one-liner's path, from the lock) and run the test suite.
#   bash scripts/run_tests.sh            every test (the README's command)
#   bash scripts/run_tests.sh --lanes    CI: `ruff check`, then the fast lane (pure tests, no engine import,
#                                        well under a minute), then the engine lane (the rest)
# YICHUI_FRESH=1 (what .ci/run sets): a new venv in a new YICHUI_HOME with empty uv/pip caches, as on a fresh
# machine; the time the install took is printed.
set -euo pipefail
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "${YICHUI_FRESH:-0}" == "1" ]]; then
  fresh="$(mktemp -d /tmp/yichui-fresh.XXXXXX)"
  export YICHUI_HOME="$fresh/home" UV_CACHE_DIR="$fresh/uv-cache" PIP_NO_CACHE_DIR=1
  echo "== fresh install into $YICHUI_HOME (empty caches)"
fi
start=$SECONDS
bash "$repo_dir/scripts/yichuidingyin.sh" --install-only --extras test
echo "== install took $((SECONDS - start)) s"
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
