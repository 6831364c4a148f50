"""The planner's prediction beside the allocator peaks measured on an H200 (CUDA, bf16, 3 steps, 2048 tokens).

The measured figures were printed by `swift sft` itself ("memory: measured ... GiB (allocator peak
(max_memory_allocated))") in `bash bench/gpu_check.sh` and `bash bench/gpu_check.sh --only grid` on a lent
NVIDIA H200 on 2026-12-04 (torch 2.11+cu130, transformers 5.19, trl 1.16, peft 0.21.2, bitsandbytes 0.50.2,
deepspeed 0.19.8; Qwen2.5 shapes from the registry with random weights). This script re-plans each case with
`swift plan --hardware h100` (the terms do not depend on the card's size) and prints predicted (runtime overhead
left out, as max_memory_allocated leaves it out) vs measured:

    python bench/gpu_memory_compare.py
"""
import json
import subprocess
import sys

G = 2**30
# (key, train_type, batch, max_length, gradient checkpointing, extra flags, measured GiB on the H200)
runs = [
 ("qwen2.5-7b-instruct","lora",2,2048,False,[],47.46),
 ("qwen2.5-7b-instruct","lora",2,2048,False,["--quant_method","bnb","--quant_bits","4"],37.80),
 ("qwen2.5-0.5b-instruct","full",4,2048,False,[],14.45),
 ("qwen2.5-1.5b-instruct","lora",4,2048,False,[],31.10),
 ("qwen2.5-0.5b-instruct","full",4,2048,False,["--deepspeed","zero2"],19.30),
 ("qwen2.5-0.5b-instruct","full",4,2048,False,["--deepspeed","zero3"],19.97),
 ("qwen2.5-0.5b-instruct","full",1,2048,False,[],6.47),
 ("qwen2.5-0.5b-instruct","full",4,2048,True,[],4.70),
 ("qwen2.5-0.5b-instruct","full",4,1024,False,[],10.18),
 ("qwen2.5-0.5b-instruct","lora",4,2048,False,[],14.52),
 ("qwen2.5-0.5b-instruct","lora",4,2048,True,[],2.36),
 ("qwen2.5-1.5b-instruct","lora",4,2048,True,[],5.48),
 ("qwen2.5-7b-instruct","lora",2,2048,True,[],17.31),
]
for key, tt, b, L, gc, extra, meas in runs:  # noqa: E741
    cmd = [sys.executable, "-m", "swift_cli", "plan", "--model", key, "--train_type", tt, "--per_device_train_batch_size", str(b),
           "--max_length", str(L), "--gradient_checkpointing", str(gc).lower(), "--hardware", "h100", "--torch_dtype", "bfloat16",
           "--json", "true", *extra]
    if tt == "lora":
        cmd += ["--padding_free", "true"]
    d = json.loads(subprocess.run(cmd, capture_output=True, text=True).stdout)
    t = d["breakdown"]
    pred = (d["peak_bytes"] - t.get("runtime_overhead", 0)) / G
    print(f"{key[6:]:>16} {tt}{' '.join(extra[1::2]):<10} b{b} L{L} gc={gc!s:5} meas {meas:6.2f} pred {pred:6.2f} ({100*(meas-pred)/pred:+.0f}%) phase={d['phase']} " +
          " ".join(f"{k[:6]}={v/G:.2f}" for k, v in t.items() if v and k in d['peak_terms']))
