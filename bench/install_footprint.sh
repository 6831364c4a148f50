#!/usr/bin/env bash
# The venv size and package count of the core and of each extra, each installed from locks/cpu.txt into its own
# new venv (torch from YICHUI_TORCH_SPEC, default torch==2.13.0, as the one-liner does). Needs uv on PATH.
#   bash bench/install_footprint.sh [EXTRA ...]     (default: core and every CPU extra)
set -euo pipefail
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras=("$@")
[ "${#extras[@]}" -gt 0 ] || extras=(core eval quant onnx tensorboard llamacpp cpu test)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
links=()
for l in ${PIP_FIND_LINKS:-} /opt/wheels; do [ -d "$l" ] && links+=(--find-links "$l"); done
echo "torch==2.13.0+cpu" > "$work/torch.txt"
printf '%-12s %8s %9s %8s %9s\n' extra packages "+vs core" "MB" "+MB"
core_n=0; core_mb=0
for extra in "${extras[@]}"; do
  venv="$work/$extra"
  uv venv -q -p python3.11 "$venv"
  target="$repo_dir"; [ "$extra" = core ] || target="${repo_dir}[$extra]"
  uv pip install -q --python "$venv/bin/python" ${links[@]+"${links[@]}"} -c "$repo_dir/locks/cpu.txt" \
    -c "$work/torch.txt" "torch==2.13.0" "$target"
  n="$(find "$venv"/lib/python*/site-packages -maxdepth 1 -name '*.dist-info' | wc -l)"
  mb="$(du -sm --apparent-size "$venv" | cut -f1)"
  if [ "$extra" = core ]; then core_n="$n"; core_mb="$mb"; fi
  printf '%-12s %8s %9s %8s %9s\n' "$extra" "$n" "+$((n - core_n))" "$mb" "+$((mb - core_mb))"
  [ "$extra" = core ] || rm -rf "$venv"
done
