"""GKD (on-policy distillation) through trl's experimental GKDTrainer: the student samples answers to the rows'
prompts (share --lmbda) and learns the teacher's token distributions (generalised JSD, --beta)."""
from __future__ import annotations

import os
from pathlib import Path

from swift_cli.engine import models, train
from swift_cli.options.rl import beta_for


def build_trainer(cfg, loaded: train.Loaded, rows, val_rows, run_dir: Path):
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    from datasets import Dataset
    from trl.experimental.gkd import GKDConfig, GKDTrainer

    train.prepare_device(loaded.device)
    model, peft_config = train.policy_model(cfg, loaded)
    teacher_dir = models.resolve_model_dir(cfg.rl.teacher_model, use_hf=cfg.model.use_hf)
    teacher = models.load_model(teacher_dir, loaded.dtype, loaded.device, cfg.model.attn_impl)
    rl = cfg.rl
    args = GKDConfig(**train.trainer_kwargs(cfg, run_dir, loaded.dtype, loaded.device, bool(val_rows)),
                     max_length=cfg.data.max_length, temperature=rl.temperature, lmbda=rl.lmbda,
                     beta=beta_for(cfg.rlhf), max_new_tokens=rl.max_completion_length, seq_kd=rl.seq_kd)
    return GKDTrainer(model=model, teacher_model=teacher, args=args, train_dataset=Dataset.from_list(rows),
                      eval_dataset=Dataset.from_list(val_rows) if val_rows else None,
                      processing_class=loaded.tokenizer, peft_config=peft_config)
