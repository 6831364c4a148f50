#!/usr/bin/env bash
# 一锤定音 (yichui): the one-liner. Checks python and disk, makes/reuses a venv in $YICHUI_HOME
# (default ~/.yichui), installs torch at a pinned spec first and holds it with a constraints file,
# installs this project, then opens the guided menus — or, with --auto, runs the main job with no
# questions (on a machine without a GPU: the built-in tiny model, fine-tuned and tested end to end).
#
# Environment: YICHUI_HOME, YICHUI_TORCH_SPEC (default torch==2.13.0; e.g. "torch==2.13.0" with
# PIP_EXTRA_INDEX_URL for a CUDA build), PYTHON (interpreter to build the venv with).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: bash scripts/yichuidingyin.sh [--auto] [--install-only] [--extras LIST] [--task T] [--model M]
                                     [--dataset D] [--lang zh|en] [--help] [-- extra swift args]
  --auto          run the default job without questions (swift demo)
  --install-only  set up the venv and exit
  --extras LIST   extra dependency groups, comma separated (test, vllm, deepspeed, gptq, awq, llamacpp)
USAGE
}

auto=0
install_only=0
extras=""
forward=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --auto) auto=1 ;;
    --install-only) install_only=1 ;;
    --extras) [ "$#" -ge 2 ] || { echo "error: --extras needs a value" >&2; exit 2; }; extras="$2"; shift ;;
    --task|--model|--dataset|--lang)
      [ "$#" -ge 2 ] || { echo "error: $1 needs a value" >&2; exit 2; }
      forward+=("$1" "$2"); shift ;;
    --) shift; forward+=("$@"); break ;;
    *) forward+=("$1") ;;
  esac
  shift
done

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="${YICHUI_HOME:-$HOME/.yichui}"
torch_spec="${YICHUI_TORCH_SPEC:-torch==2.13.0}"
python="${PYTHON:-python3}"

command -v "$python" >/dev/null 2>&1 || { echo "error: $python not found; install Python 3.10 or newer" >&2; exit 3; }
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "error: $("$python" --version 2>&1) is too old; yichui needs Python 3.10 or newer" >&2
  exit 3
fi

mkdir -p "$home"
free_kb="$(df -Pk "$home" | awk 'NR==2 {print $4}')"
if [ "${free_kb:-0}" -lt 4000000 ]; then
  echo "error: less than 4 GB free in $home; free some space or set YICHUI_HOME elsewhere" >&2
  exit 3
fi

venv="$home/venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "[yichui] creating virtualenv in $venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)

if ! "$venv/bin/python" -c 'import torch' >/dev/null 2>&1; then
  echo "[yichui] installing $torch_spec"
  "${pip[@]}" "$torch_spec"
fi
constraints="$home/constraints.txt"
torch_version="$("$venv/bin/python" -c 'import torch; print(torch.__version__)')"
printf 'torch==%s\n' "$torch_version" > "$constraints"

target="$repo_dir"
if [ -n "$extras" ]; then
  target="$repo_dir[$extras]"
fi
echo "[yichui] installing yichui (torch held at $torch_version)"
"${pip[@]}" -c "$constraints" -e "$target"

if [ "$install_only" -eq 1 ]; then
  echo "[yichui] installed: $venv/bin/swift"
  exit 0
fi

cd "$repo_dir"
if [ "$auto" -eq 1 ]; then
  exec "$venv/bin/swift" demo
fi
if "$venv/bin/swift" wizard --help >/dev/null 2>&1; then
  exec "$venv/bin/swift" wizard "${forward[@]}"
fi
echo "[yichui] installed. The guided menus are not in this version yet; run with --auto for the demo," >&2
echo "[yichui] or use $venv/bin/swift --help" >&2
