"""What a quantized folder can be used for next (the planner's compatibility rules, stated per method)."""
from __future__ import annotations

# method -> (can LoRA/QLoRA training continue on it with `swift sft --model DIR`, can vLLM serve it, note)
COMPAT = {
    "bnb": (True, True, "QLoRA continuation: swift sft --model DIR --train_type lora (bitsandbytes, slow on CPU)"),
    "gptq": (True, True, "vLLM serves it (CUDA); LoRA on it through peft's GPTQ support"),
    "awq": (False, True, "vLLM serves it (CUDA)"),
    "torchao": (False, False, "transformers + torchao reload it; swift infer / swift deploy --infer_backend pt"),
    "hqq": (False, False, "hqq reloads it (swift infer / deploy --infer_backend pt); not servable by vLLM"),
    "quanto": (False, False, "optimum-quanto reloads it (swift infer / deploy --infer_backend pt); not vLLM"),
}


def compat_line(method: str) -> str:
    lora, vllm, note = COMPAT[method]
    return f"compat: LoRA training on it {'yes' if lora else 'no'}; vLLM {'yes' if vllm else 'no'} — {note}"


def compat_record(method: str) -> dict:
    lora, vllm, note = COMPAT[method]
    return {"lora_trainable": lora, "vllm_servable": vllm, "note": note}
