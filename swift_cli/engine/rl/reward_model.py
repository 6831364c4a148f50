"""Reward models: `--rlhf_type rm` trains a one-logit sequence-classification head (trl's RewardTrainer) on the
preference data dpo reads; `load` brings a trained one back (full folder, or base + LoRA checkpoint with its
score head) for `swift rm-score` and as a GRPO reward."""
from __future__ import annotations

from pathlib import Path

from swift_cli.engine import models, train
from swift_cli.errors import UsageError


def _seq_cls(model_dir: Path, dtype, device: str, pad_token_id):
    import transformers
    from transformers import AutoModelForSequenceClassification

    transformers.logging.set_verbosity_error()  # "score weights newly initialised" is the point here, not news
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=1, dtype=dtype)
    model.config.pad_token_id = pad_token_id  # sequence classification pools at the last non-pad token
    return model.to(device)


def build_trainer(cfg, loaded: train.Loaded, items, val_items, run_dir: Path):
    """RewardTrainer over conversational {prompt, chosen, rejected} rows; LoRA saves the score head with it."""
    from datasets import Dataset
    from trl import RewardConfig, RewardTrainer

    if cfg.model.adapters:
        raise UsageError("--adapters with --rlhf_type rm: merge the SFT adapter first (swift export --adapters CKPT "
                         "--merge_lora true) and pass the merged folder as --model")
    train.prepare_device(loaded.device)
    model = _seq_cls(loaded.model_dir, loaded.dtype, loaded.device, loaded.tokenizer.pad_token_id)
    peft_config = train.lora_config(cfg, task_type="SEQ_CLS")
    args = RewardConfig(**train.trainer_kwargs(cfg, run_dir, loaded.dtype, loaded.device, bool(val_items)),
                        max_length=cfg.data.max_length)

    def rows(items):
        return Dataset.from_list([item.pref for item in items])

    return RewardTrainer(model=model, args=args, train_dataset=rows(items),
                         eval_dataset=rows(val_items) if val_items else None, processing_class=loaded.tokenizer,
                         peft_config=peft_config)


def load(path: str, use_cpu: bool = False):
    """(model, tokenizer, device) of a reward model: a full seq-cls folder, or a LoRA checkpoint of an rm run."""
    ckpt = Path(path)
    if not ckpt.exists():
        raise UsageError(f"--reward_model {path}: no such folder")
    device = models.pick_device(use_cpu)
    if (ckpt / "adapter_config.json").is_file():
        base = models.base_model_of(ckpt)
        if not base:
            raise UsageError(f"{path}: a LoRA checkpoint whose run args.json does not name the base model")
        tokenizer = models.load_tokenizer(Path(base), models.run_args_for(ckpt).get("template"))
        dtype = models.pick_dtype("auto", device)
        from peft import PeftModel

        model = PeftModel.from_pretrained(_seq_cls(Path(base), dtype, device, tokenizer.pad_token_id), ckpt)
        model = model.merge_and_unload()
    else:
        tokenizer = models.load_tokenizer(ckpt, None)
        model = _seq_cls(ckpt, models.pick_dtype("auto", device), device, tokenizer.pad_token_id)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model.eval(), tokenizer, device


def score(model, tokenizer, device: str, conversations: list[list[dict]], batch_size: int = 8) -> list[float]:
    """One scalar per conversation (prompt messages + the assistant's answer), as trl's RewardTrainer scores."""
    import torch

    out: list[float] = []
    tokenizer.padding_side = "right"
    for i in range(0, len(conversations), batch_size):
        texts = [tokenizer.apply_chat_template(c, tokenize=False) for c in conversations[i:i + batch_size]]
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with torch.no_grad():
            out += model(**enc).logits[:, 0].float().tolist()
    return out


def pair_accuracy(model, tokenizer, device: str, pairs: list[dict]) -> tuple[float, float]:
    """(share of pairs whose chosen answer outscores the rejected one, mean score margin)."""
    chosen = score(model, tokenizer, device, [p["prompt"] + p["chosen"] for p in pairs])
    rejected = score(model, tokenizer, device, [p["prompt"] + p["rejected"] for p in pairs])
    margins = [c - r for c, r in zip(chosen, rejected)]
    return sum(m > 0 for m in margins) / len(margins), sum(margins) / len(margins)
