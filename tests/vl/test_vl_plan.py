"""The planner counts the vision tower exactly (against the instantiated modules) and the images per step; `swift
plan` on a registry VL model works offline and names the vision share."""
from __future__ import annotations

import json

from tests.conftest import swift


def test_vision_tower_count_is_exact(tiny_vl_model):
    import torch
    from transformers import (
        AutoModelForImageTextToText,
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
    )

    from hardware.memory_vl import VisionSpec

    model = AutoModelForImageTextToText.from_pretrained(tiny_vl_model, dtype=torch.float32)
    config = json.loads((tiny_vl_model / "config.json").read_text())
    assert VisionSpec.from_config(config).params_total == sum(p.numel() for p in model.model.visual.parameters())
    # Qwen2.5-VL's tower (SwiGLU MLP, RMSNorm, out_hidden_size), tiny
    text = {"hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
            "intermediate_size": 64, "vocab_size": 100, "bos_token_id": 0, "eos_token_id": 1,
            "rope_parameters": {"rope_type": "default", "mrope_section": [4, 6, 6], "rope_theta": 1e4}}
    vision = {"depth": 2, "hidden_size": 48, "intermediate_size": 80, "num_heads": 4, "out_hidden_size": 64,
              "fullatt_block_indexes": [1]}
    cfg = Qwen2_5_VLConfig(text_config=text, vision_config=vision)
    tower = Qwen2_5_VLForConditionalGeneration(cfg).model.visual
    assert VisionSpec.from_config(cfg.to_dict()).params_total == sum(p.numel() for p in tower.parameters())


def test_plan_qwen25_vl_7b_offline_counts_the_tower_and_max_pixels():
    proc = swift("plan", "--model", "Qwen/Qwen2.5-VL-7B-Instruct", "--hardware", "a100-80g", "--json",
                 env={"MAX_PIXELS": "1003520", "HF_HUB_OFFLINE": "1", "MODELSCOPE_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    plan = json.loads(proc.stdout.strip().splitlines()[-1])
    assert plan["breakdown"]["vision weights"] == 676_550_144 * 2  # bf16 on an A100 (the count test above checks the rules)
    assert plan["breakdown"]["vision activations"] > 0
    note = next(n for n in plan["notes"] if n.startswith("vision tower"))
    assert "676.6M params" in note and "up to 1280 image tokens per image (max_pixels 1003520)" in note
    smaller = swift("plan", "--model", "Qwen/Qwen2.5-VL-7B-Instruct", "--hardware", "a100-80g", "--json",
                    "--max_pixels", "250880", env={"MAX_PIXELS": "1003520"})  # the flag beats the env
    small = json.loads(smaller.stdout.strip().splitlines()[-1])
    assert small["breakdown"]["vision activations"] * 3 < plan["breakdown"]["vision activations"]
