"""The adapters ms-swift's --train_type names beyond LoRA/DoRA, run through the peft tuners that implement them
(the tuner options --lora_rank / --lora_alpha / --lora_dropout / --target_modules / --modules_to_save apply):

  adalora   peft AdaLoraConfig (rank budget from --lora_rank, reallocated during training)
  vera      peft VeraConfig (shared frozen random projections, per-layer scaling vectors)
  boft      peft BOFTConfig (butterfly orthogonal fine-tuning)
  fourierft peft FourierFTConfig (a few trained spectral coefficients)
  bone      peft MissConfig (Bone was renamed MiSS in peft)
  ia3       peft IA3Config (learned scaling vectors; the MLP projections scale their inputs, as ms-swift's plugin)
  lora_llm  (VL models) peft LoRA on the language model, the vision tower and aligner trained in full beside it
            (peft modules_to_save, so the adapter folder carries them)

ms-swift builds LLaMA-Pro, ReFT, LongLoRA and its own `adapter` tuner itself, and `dummy` is the example tuner of
its plugin system; yichui has no library to run them on and refuses them in one line (MS_ONLY)."""
from __future__ import annotations

import math

PEFT_TUNERS = ("adalora", "vera", "boft", "fourierft", "bone", "ia3")
MS_ONLY = {
    "llamapro": "LLaMA-Pro (new blocks inserted and trained) is ms-swift's own code, not a peft tuner",
    "reft": "ReFT needs the pyreft library, which is not part of yichui",
    "longlora": "LongLoRA (shifted sparse attention) is ms-swift's own patch of the attention",
    "adapter": "ms-swift's `adapter` tuner is its own code, not a peft tuner",
    "dummy": "`dummy` is ms-swift's example tuner plugin (swift/tuner_plugin); yichui loads reward plugins, not tuners",
}


def ms_only_problem(train_type: str) -> str | None:
    why = MS_ONLY.get(train_type)
    return f"--train_type {train_type}: {why}; nearest here: --train_type lora (or dora)" if why else None


def total_steps(cfg, rows: int) -> int:
    t = cfg.train
    if t.max_steps and t.max_steps > 0:
        return t.max_steps
    per_step = max(1, t.per_device_train_batch_size * t.gradient_accumulation_steps)
    return max(1, math.ceil(rows / per_step) * math.ceil(t.num_train_epochs))


def peft_config(cfg, target, task_type: str, steps: int | None):
    """The peft config for --train_type in PEFT_TUNERS."""
    import peft

    tu = cfg.tuner
    common = dict(target_modules=target, modules_to_save=tu.modules_to_save or None, task_type=task_type)
    kind = tu.train_type
    if kind == "adalora":
        return peft.AdaLoraConfig(init_r=max(tu.lora_rank + 4, int(tu.lora_rank * 1.5)), target_r=tu.lora_rank,
                                  lora_alpha=tu.lora_alpha, lora_dropout=tu.lora_dropout, total_step=steps or 1000,
                                  **common)
    if kind == "vera":
        return peft.VeraConfig(r=max(tu.lora_rank, 64), vera_dropout=tu.lora_dropout, **common)
    if kind == "boft":
        return peft.BOFTConfig(boft_block_size=4, boft_dropout=tu.lora_dropout, **common)
    if kind == "fourierft":
        return peft.FourierFTConfig(n_frequency=1000, scaling=150.0, **common)
    if kind == "ia3":
        return peft.IA3Config(feedforward_modules=r".*mlp\..*(down_proj|fc2|w2|c_proj)$" if target == "all-linear"
                              else None, **common)
    return peft.MissConfig(r=tu.lora_rank, **common)


def adalora_callback():
    """AdaLoRA reallocates its rank budget after each optimizer step, before gradients are cleared (the HF Trainer
    does not call it)."""
    from transformers import TrainerCallback

    class ReallocateRanks(TrainerCallback):
        def on_optimizer_step(self, args, state, control, model=None, **kwargs):
            inner = getattr(model, "base_model", None)
            if inner is not None and hasattr(inner, "update_and_allocate"):
                inner.update_and_allocate(state.global_step)

    return ReallocateRanks()
