#!/usr/bin/env bash
# On a lent GPU machine (the device tool): install the carried wheels (.whl/, py3.12, the CUDA lock's versions of
# what that machine lacks) beside its own torch, then run bench/gpu_check.py into $OUT.
#   run(command="bash bench/gpu_check.sh [--only tiny|memory|serve]", carry=[".whl"])
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
t0=$(date +%s)
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    > "$OUT/install.log" 2>&1 || { tail -20 "$OUT/install.log"; exit 3; }
export PYTHONPATH="$PWD:/tmp/site" PYTHONUNBUFFERED=1 YICHUI_HOME=/tmp/yichui_home HF_HUB_OFFLINE=1
echo "install: $(( $(date +%s) - t0 )) s"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, transformers, peft, trl, datasets, bitsandbytes, deepspeed; print('torch', torch.__version__, torch.version.cuda, torch.cuda.is_available(), '| transformers', transformers.__version__, '| peft', peft.__version__, '| trl', trl.__version__, '| bnb', bitsandbytes.__version__, '| deepspeed', deepspeed.__version__)" 2>&1 | tail -3
python3 bench/gpu_check.py --out "$OUT" "$@" 2>&1 | tee "$OUT/stdout.log"
echo "total: $(( $(date +%s) - t0 )) s"
