"""Reload a folder written by `swift quantize`. Lives apart from export/quantizers (which writes them) so that
models.load_model can read one without importing the export pipeline (which imports models)."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

MARKER = "yichui_quant.json"  # hqq / quanto folders: which library reloads them


def is_quantized_dir(model_dir: Path) -> bool:
    return (Path(model_dir) / MARKER).is_file()


def load_quantized(model_dir: Path, device: str = "cpu"):
    """Reload a folder written by `swift quantize` (hqq / quanto through their own libraries; others through
    transformers, which reads quantization_config from config.json)."""
    import torch

    model_dir = Path(model_dir)
    method = json.loads((model_dir / MARKER).read_text(encoding="utf-8"))["method"] if is_quantized_dir(model_dir) \
        else None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*MatMul8bitLt.*")
        if method == "hqq":
            from hqq.models.hf.base import AutoHQQHFModel

            return AutoHQQHFModel.from_quantized(str(model_dir), device=device, compute_dtype=torch.float32).eval()
        if method == "quanto":
            from optimum.quanto import QuantizedModelForCausalLM

            qmodel = QuantizedModelForCausalLM.from_pretrained(str(model_dir))
            return qmodel._wrapped.to(device).eval()
        if method == "gptq":
            from gptqmodel import GPTQModel

            return GPTQModel.load(str(model_dir)).model.eval()
        if method == "awq":
            from awq import AutoAWQForCausalLM

            return AutoAWQForCausalLM.from_quantized(str(model_dir)).model.eval()
        from transformers import AutoModelForCausalLM, AutoModelForImageTextToText

        config = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
        auto = AutoModelForImageTextToText if "vision_config" in config else AutoModelForCausalLM  # a VL model too
        return auto.from_pretrained(model_dir, device_map={"": device}).eval()
