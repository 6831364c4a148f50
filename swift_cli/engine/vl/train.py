"""Training a vision-language model through the same trl SFTTrainer + peft as text models, with ms-swift's
freezing rules: the vision tower and the aligner train only when unfrozen (--freeze_vit / --freeze_aligner false),
LoRA's `all-linear` resolves to the linear layers of the parts that train (never lm_head, as for text models).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from swift_cli.engine.data.encode import IGNORE


def trainable_parts(family, vision) -> list[str]:
    """Names of the parts that train: llm, vit, aligner."""
    return [name for name, frozen in (("llm", vision.freeze_llm), ("vit", vision.freeze_vit),
                                      ("aligner", vision.freeze_aligner)) if not frozen]


def part_of(name: str, family) -> str | None:
    """Which part a parameter/module name belongs to (None: neither, e.g. lm_head)."""
    if name.startswith(family.aligner + "."):
        return "aligner"
    if name.startswith(family.vision_tower + "."):
        return "vit"
    if name.startswith(family.language_model + "."):
        return "llm"
    return None


def lora_target_regex(model, family, parts: list[str]) -> str:
    """A peft target regex matching every nn.Linear inside the training parts (all-linear, part by part)."""
    import torch

    names = sorted(n for n, m in model.named_modules()
                   if isinstance(m, torch.nn.Linear) and part_of(n, family) in parts)
    if not names:
        raise ValueError("no linear layers to adapt in the parts left unfrozen")
    return "^(" + "|".join(re.escape(n) for n in names) + ")$"


def lora_llm_config(cfg, model, family):
    """ms-swift's --train_type lora_llm: LoRA on the language model's linear layers, the vision tower and the aligner
    trained in full beside it (peft modules_to_save: they are saved with the adapter; an aligner inside the vision
    tower, as Qwen-VL's merger, comes with it)."""
    from peft import LoraConfig

    tu = cfg.tuner
    parts = [family.vision_tower] + ([] if family.aligner.startswith(family.vision_tower + ".") else [family.aligner])
    return LoraConfig(r=tu.lora_rank, lora_alpha=tu.lora_alpha, lora_dropout=tu.lora_dropout,
                      target_modules=lora_target_regex(model, family, ["llm"]),
                      modules_to_save=[*parts, *tu.modules_to_save], task_type="CAUSAL_LM")


def freeze(model, family, parts: list[str]) -> None:
    """Full fine-tuning: parameters outside the training parts stop requiring gradients (lm_head follows llm)."""
    for name, param in model.named_parameters():
        part = part_of(name, family) or "llm"
        param.requires_grad_(part in parts)


@dataclass
class VLCollator:
    """Pads rows and turns their image references into pixel_values / image_grid_thw, opened here (per batch) so
    the dataset holds only references."""

    proc: object

    def __call__(self, examples: list[dict]):
        import torch

        from swift_cli.engine.vl.images import open_image

        pad = self.proc.tokenizer.pad_token_id
        width = max(len(e["input_ids"]) for e in examples)
        ids, labels, mask = [], [], []
        for e in examples:
            n = width - len(e["input_ids"])
            ids.append(e["input_ids"] + [pad] * n)
            labels.append(e["labels"] + [IGNORE] * n)
            mask.append([1] * len(e["input_ids"]) + [0] * n)
        batch = {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}
        batch["mm_token_type_ids"] = (batch["input_ids"] == self.proc.image_token_id).int() * batch["attention_mask"]
        images = [open_image(ref) for e in examples for ref in e["image_refs"]]
        if images:
            batch.update(self.proc.pixels(images))
        return batch


def load_vl_model(model_dir, dtype, device: str, attn_impl: str | None = None):
    """AutoModelForImageTextToText on `device` (Qwen2-VL, Qwen2.5-VL, Qwen3-VL...)."""
    from transformers import AutoModelForImageTextToText

    kwargs = {"dtype": dtype}
    if attn_impl:
        from swift_cli.engine.models import attn_implementation

        kwargs["attn_implementation"] = attn_implementation(attn_impl, device)
    return AutoModelForImageTextToText.from_pretrained(model_dir, **kwargs).to(device)


def _dataset(rows):
    from datasets import Dataset

    return Dataset.from_dict({"input_ids": [r.input_ids for r in rows], "labels": [r.labels for r in rows],
                              "image_refs": [r.images for r in rows]})


def build_vl_trainer(cfg, loaded, proc, data, run_dir, extra_callbacks=()):
    """An SFTTrainer over pre-encoded VL rows (labels masked; images opened by the collator)."""
    from trl import SFTConfig, SFTTrainer

    from swift_cli.engine import models, train

    train.prepare_device(loaded.device)
    model = load_vl_model(loaded.model_dir, loaded.dtype, loaded.device, cfg.model.attn_impl)
    model.config.use_cache = False
    parts = trainable_parts(proc.family, cfg.vision)
    peft_config = None
    adapters = models.parse_adapters(cfg.model.adapters)
    if adapters:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, next(iter(adapters.values())), is_trainable=True)
    elif cfg.tuner.train_type == "full":
        freeze(model, proc.family, parts)
    elif cfg.tuner.train_type == "lora_llm":
        peft_config = lora_llm_config(cfg, model, proc.family)
    else:
        peft_config = train.lora_config(cfg)
        if cfg.tuner.target_modules in (["all-linear"], ["all"], ["ALL"]):
            peft_config.target_modules = lora_target_regex(model, proc.family, parts)
    args = SFTConfig(**train.trainer_kwargs(cfg, run_dir, loaded.dtype, loaded.device, bool(data.val)),
                     max_length=cfg.data.max_length, packing=False, dataset_kwargs={"skip_prepare_dataset": True})
    return SFTTrainer(model=model, args=args, train_dataset=_dataset(data.train),
                      eval_dataset=_dataset(data.val) if data.val else None, data_collator=VLCollator(proc),
                      processing_class=proc.tokenizer, peft_config=peft_config, callbacks=list(extra_callbacks))
