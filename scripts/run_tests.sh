#!/usr/bin/env bash
# Install the project with its test dependencies (the one-liner's path, from the lock) and run the test suite.
#   bash scripts/run_tests.sh            every test (the README's command)
#   bash scripts/run_tests.sh --lanes    CI: `ruff check`, then the fast lane (pure tests, no engine import,
#                                        well under a minute), then the engine lane (the rest, in two processes)
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
# SkyPilot (the bot's cloud backend) pins uvicorn/click versions that conflict with ours: it lives in its own venv,
# which tests/bot/test_cloud.py round-trips our task through (offline; no cloud is reached).
home="${YICHUI_HOME:-$HOME/.yichui}"
if [[ -z "${YICHUI_SKY_PYTHON:-}" ]]; then
  sky_start=$SECONDS
  if [[ ! -x "$home/skyenv/bin/python" ]] || ! "$home/skyenv/bin/python" -c "import sky" 2>/dev/null; then
    uv_bin="$home/venv/bin/uv"
    if [[ -x "$uv_bin" ]]; then
      "$uv_bin" venv --quiet --python "$home/venv/bin/python" "$home/skyenv" && \
        timeout 900 "$uv_bin" pip install --quiet --python "$home/skyenv/bin/python" "skypilot==0.14.1"
    else
      "$home/venv/bin/python" -m venv "$home/skyenv" && \
        timeout 900 "$home/skyenv/bin/pip" install --quiet --disable-pip-version-check "skypilot==0.14.1"
    fi || { echo "error: installing SkyPilot into $home/skyenv failed" >&2; exit 4; }
  fi
  export YICHUI_SKY_PYTHON="$home/skyenv/bin/python"
  echo "== SkyPilot venv ready in $((SECONDS - sky_start)) s"
fi
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
  # The engine lane in two processes on the machine's cores: the front doors' and image-text tests (self-contained:
  # their own YICHUI_HOME, free ports, their own pytest temp folder) beside the rest. Their output follows.
  side=(tests/bot tests/webui tests/tasks tests/vl tests/real)
  ignore=()
  for d in "${side[@]}"; do ignore+=("--ignore=$d"); done
  side_log="$(mktemp)"
  side_tmp="$(mktemp -d)"
  echo "== engine lane (${side[*]} in a second process; its output after this one's)"
  "$py" -m pytest -q -m "not fast" --durations=15 --basetemp="$side_tmp/pytest" "${side[@]}" "$@" >"$side_log" 2>&1 &
  side_pid=$!
  main_rc=0
  "$py" -m pytest -q -m "not fast" --durations=25 "${ignore[@]}" "$@" || main_rc=$?
  side_rc=0
  wait "$side_pid" || side_rc=$?
  echo "== engine lane, second process: ${side[*]}"
  cat "$side_log"
  echo "== engine lane exit codes: $main_rc (main), $side_rc (${side[*]})"
  exit $(( main_rc != 0 || side_rc != 0 ))
fi
exec "$py" -m pytest -q "$@"
