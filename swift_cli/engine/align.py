"""Preference training through trl's trainers (DPO, ORPO, CPO/SimPO, KTO); never an own loss.

Continuing from an SFT adapter (`--adapters`): that adapter keeps training, and trl keeps a frozen
copy of it as a second adapter named "ref" for the reference policy (no second base model).
LoRA from scratch: the reference is the base with adapters disabled. Full: `--ref_model` or a copy.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from swift_cli.engine import models, train


def _trl_classes(kind: str):
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    if kind == "dpo":
        from trl import DPOConfig, DPOTrainer

        return DPOConfig, DPOTrainer
    if kind == "kto":
        from trl import KTOConfig, KTOTrainer

        return KTOConfig, KTOTrainer
    if kind == "orpo":
        from trl.experimental.orpo import ORPOConfig, ORPOTrainer

        return ORPOConfig, ORPOTrainer
    from trl.experimental.cpo import CPOConfig, CPOTrainer

    return CPOConfig, CPOTrainer


def algorithm_kwargs(r) -> dict:
    """trl config arguments for the chosen algorithm from the rlhf options."""
    from swift_cli.options.rl import beta_for

    kind = r.rlhf_type
    r = dataclasses.replace(r, beta=beta_for(r))
    if kind == "dpo":
        losses = list(r.loss_type) or ["sigmoid"]
        kw = dict(beta=r.beta, loss_type=losses, label_smoothing=r.label_smoothing)
        if r.rpo_alpha:
            kw.update(loss_type=losses + ["sft"], loss_weights=[1.0] * len(losses) + [r.rpo_alpha])
        return kw
    if kind == "kto":
        return dict(beta=r.beta, loss_type=(r.loss_type or ["kto"])[0], desirable_weight=r.desirable_weight,
                    undesirable_weight=r.undesirable_weight)
    if kind == "orpo":
        return dict(beta=r.beta)
    if kind == "simpo":
        return dict(beta=r.beta, loss_type="simpo", cpo_alpha=0.0, simpo_gamma=r.simpo_gamma,
                    label_smoothing=r.label_smoothing)
    return dict(beta=r.beta, loss_type=(r.loss_type or ["sigmoid"])[0], cpo_alpha=r.cpo_alpha,
                label_smoothing=r.label_smoothing)


def _dataset(items):
    from datasets import Dataset

    return Dataset.from_list([item.pref for item in items])


def build_trainer(cfg, loaded: train.Loaded, train_items, val_items, run_dir: Path):
    """The trl trainer for --rlhf_type over conversational preference rows."""
    r = cfg.rlhf
    kind = "cpo" if r.rlhf_type == "simpo" else r.rlhf_type
    config_cls, trainer_cls = _trl_classes(kind)
    train.prepare_device(loaded.device)
    model, peft_config = train.policy_model(cfg, loaded)
    args = config_cls(**train.trainer_kwargs(cfg, run_dir, loaded.dtype, loaded.device, bool(val_items)),
                      max_length=cfg.data.max_length, **algorithm_kwargs(r))
    kwargs = dict(model=model, args=args, train_dataset=_dataset(train_items),
                  eval_dataset=_dataset(val_items) if val_items else None, processing_class=loaded.tokenizer,
                  peft_config=peft_config)
    if kind in ("dpo", "kto") and cfg.tuner.train_type == "full" and r.ref_model:
        ref_dir = models.resolve_model_dir(r.ref_model, use_hf=cfg.model.use_hf)
        kwargs["ref_model"] = models.load_model(ref_dir, loaded.dtype, loaded.device, cfg.model.attn_impl)
    return trainer_cls(**kwargs)
