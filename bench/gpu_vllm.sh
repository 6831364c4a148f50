#!/usr/bin/env bash
# On a lent GPU machine: vLLM 0.26.0 (the release built for that machine's torch 2.11) travels in pieces (the
# device tool carries 64 MiB a call): `bash bench/gpu_vllm.sh stash .vw/pN` in the first calls keeps each piece
# in /tmp/vw there; the last call (`bash bench/gpu_vllm.sh run`, carry .whl) installs and runs bench/gpu_vllm.py.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ "${1:-}" == "run" ]] && shift
if [[ "${1:-}" == "stash" ]]; then mkdir -p /tmp/vw && cp "$2"/* /tmp/vw/ && ls -la /tmp/vw | tail -3 && exit 0; fi
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
t0=$(date +%s)
ls /tmp/vw/vllm-0.26.0-*.whl >/dev/null 2>&1 || cat /tmp/vw/vllm.part.* > /tmp/vw/vllm-0.26.0-cp38-abi3-manylinux_2_28_x86_64.whl
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    /tmp/vw/*.whl > "$OUT/install.log" 2>&1 || { tail -20 "$OUT/install.log"; exit 3; }
export PYTHONPATH="$PWD:/tmp/site" PATH="/tmp/site/bin:$PATH" PYTHONUNBUFFERED=1 YICHUI_HOME=/tmp/yichui_home \
    HF_HUB_OFFLINE=1 VLLM_USE_FLASHINFER_SAMPLER=0 VLLM_NO_USAGE_STATS=1
echo "install: $(( $(date +%s) - t0 )) s"
python3 -c "import torch, transformers, trl, vllm; print('torch', torch.__version__, '| transformers', transformers.__version__, '| trl', trl.__version__, '| vllm', vllm.__version__)" 2>&1 | tail -3
python3 -c "from vllm import LLM" 2>&1 | tail -3
python3 bench/gpu_vllm.py --out "$OUT" "$@" 2>&1 | tee "$OUT/stdout.log"
echo "total: $(( $(date +%s) - t0 )) s"
