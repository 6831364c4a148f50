#!/usr/bin/env bash
# Regenerate the locks in locks/ from pyproject.toml (the one command to run after changing a requirement):
#   locks/cpu.txt   CPU machines (this project's CI and tests), Python 3.11, Linux x86_64: the core and every CPU
#                   extra and the test tools; torch is left out (the one-liner installs it first from
#                   YICHUI_TORCH_SPEC and holds it), the CPU wheel's own requirements are in.
#   locks/cuda.txt  GPU VMs (Linux x86_64, Python 3.11): the core, the CPU extras and vllm + deepspeed, with the
#                   CUDA build of the same torch (vllm 0.32 asks for torch==2.13.0). Resolved on paper here (no GPU), installed
#                   by the one-liner where nvidia-smi answers.
# Both carry "# inputs-sha256:" of pyproject.toml's requirements; the fast test lane fails when they disagree.
# Needs uv (pip install uv). Resolution only: nothing is installed.
set -euo pipefail
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_dir"
command -v uv >/dev/null 2>&1 || { echo "error: scripts/lock.sh needs uv: pip install uv" >&2; exit 3; }
hash="$(python3 scripts/lock_inputs.py hash)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The CPU build of torch: from a local wheel folder where one exists (YICHUI_TORCH_WHEELS, default /opt/wheels),
# else PyTorch's CPU index through uv's torch backend.
torch_src=(--torch-backend cpu)
wheels="${YICHUI_TORCH_WHEELS:-/opt/wheels}"
if compgen -G "$wheels/torch-2.13.0+cpu-*.whl" >/dev/null; then
  torch_src=(--find-links "$wheels")
  echo "torch==2.13.0+cpu" > "$tmp/torch.txt"
else
  echo "torch==2.13.0" > "$tmp/torch.txt"
fi

stamp() {  # stamp OUT: prepend the header with the inputs hash
  { echo "# yichui lock: regenerate with bash scripts/lock.sh (do not edit by hand)"
    echo "# inputs-sha256: $hash"
    cat "$tmp/out.txt"; } > "$1"
}

# uv keeps the pins of the existing lock (read as the output file) wherever they still satisfy the requirements:
# a requirement change moves only what it must.
[ -f locks/cpu.txt ] && cp locks/cpu.txt "$tmp/out.txt"
echo "[lock] cpu: Python 3.11, Linux x86_64, extras test (= every CPU extra + test tools)"
uv pip compile pyproject.toml --quiet --extra test --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  "${torch_src[@]}" -c "$tmp/torch.txt" --no-emit-package torch --no-header --annotation-style line \
  -o "$tmp/out.txt"
stamp locks/cpu.txt

rm -f "$tmp/out.txt"
[ -f locks/cuda.txt ] && cp locks/cuda.txt "$tmp/out.txt"
echo "[lock] cuda: Python 3.11, Linux x86_64, extras cpu + vllm + deepspeed, torch==2.13.0 (the CUDA build)"
echo "torch==2.13.0" > "$tmp/torch.txt"
uv pip compile pyproject.toml --quiet --extra eval --extra quant --extra onnx --extra tensorboard \
  --extra vllm --extra deepspeed --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  -c "$tmp/torch.txt" --no-header --annotation-style line -o "$tmp/out.txt"
stamp locks/cuda.txt
echo "[lock] wrote locks/cpu.txt ($(grep -c '==' locks/cpu.txt) pins), locks/cuda.txt ($(grep -c '==' locks/cuda.txt) pins)"
