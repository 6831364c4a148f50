"""Training through trl's SFTTrainer (a transformers Trainer) and peft: no own loop, no own LoRA."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from swift_cli.engine import callbacks, models, runs
from swift_cli.engine.data.build import Prepared
from swift_cli.errors import Diverged, Interrupted, RequirementError, RuntimeLimit, UsageError


@dataclass
class Loaded:
    """What a training command works on, loaded once."""

    model_dir: Path
    tokenizer: object
    device: str
    dtype: object


def learning_rate(cfg) -> float:
    """ms-swift defaults: 1e-4 for adapters, 1e-5 for full fine-tuning."""
    if cfg.train.learning_rate is not None:
        return cfg.train.learning_rate
    return 1e-5 if cfg.tuner.train_type == "full" else 1e-4


FSDP2 = {"fsdp": "full_shard auto_wrap", "fsdp_config": {"fsdp_version": 2, "reshard_after_forward": True,
                                                        "auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
                                                        "cpu_ram_efficient_loading": True,
                                                        "state_dict_type": "SHARDED_STATE_DICT"}}


def fsdp_kwargs(value: str | None) -> dict:
    """ms-swift's --fsdp: `fsdp2` (its preset), a JSON file of {fsdp, fsdp_config}, or transformers' own option
    string ('full_shard auto_wrap'), as TrainingArguments' fsdp / fsdp_config."""
    if not value or value.lower() in ("none", "false"):
        return {}
    if value == "fsdp2":
        return dict(FSDP2)
    if value.endswith(".json"):
        import json

        try:
            spec = json.loads(Path(value).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"--fsdp {value}: cannot read the FSDP config ({exc})") from None
        return {"fsdp": spec.get("fsdp", "full_shard auto_wrap"), "fsdp_config": spec.get("fsdp_config", {})}
    return {"fsdp": value}


# ms-swift's training --quant_method values other than bnb, and why they do not train here
UNTRAINED_QUANT = {
    "hqq": "the installed transformers cannot load HQQ-quantized weights yet (its HQQ loader is not implemented)",
    "eetq": "EETQ's int8 kernels run on CUDA GPUs only (pip install eetq there)",
    "quanto": "peft has no LoRA layer over optimum-quanto weights",
    "fp8": "fine-grained FP8 weights need a CUDA GPU of compute capability 8.9+ (Ada/Hopper)",
}


def liger_requirement(device: str) -> None:
    """--use_liger_kernel (transformers' integration): Liger's Triton kernels need a CUDA GPU and liger-kernel."""
    import importlib.util

    if device != "cuda":
        raise RequirementError(f"--use_liger_kernel true: Liger's Triton kernels run on CUDA GPUs (this machine: "
                               f"{device}); drop the flag here, or run on a CUDA machine with `pip install liger-kernel`")
    if importlib.util.find_spec("liger_kernel") is None:
        raise RequirementError("--use_liger_kernel true needs liger-kernel: pip install liger-kernel")


def check_requirements(cfg, device: str) -> None:
    """Refuse (one line) what this machine cannot run before anything is written: the device rules
    (hardware.rules.training_refusals, which the planner obeys too), then the packages they need."""
    from hardware.rules import training_refusals

    t, tuner = cfg.train, cfg.tuner
    if why := UNTRAINED_QUANT.get(tuner.quant_method or ""):
        raise RequirementError(f"--quant_method {tuner.quant_method}: {why}; nearest here: --train_type lora "
                               "(no quantization), or --quant_method bnb on a CUDA machine")
    if getattr(getattr(cfg, "ms", None), "use_liger_kernel", False):
        liger_requirement(device)
    models.attn_implementation(cfg.model.attn_impl, device)  # FlashAttention off CUDA: one line, before loading
    refusals = training_refusals(device, tuner.train_type, tuner.quant_bits, t.deepspeed, t.fsdp)
    if refusals:
        raise RequirementError(refusals[0])
    if tuner.train_type == "qlora" or tuner.quant_bits:
        try:
            import bitsandbytes  # noqa: F401
        except ImportError:
            raise RequirementError("--train_type qlora needs bitsandbytes: pip install bitsandbytes") from None
    deepspeed_config(t.deepspeed, device)  # the deepspeed package, and a .json file that exists


def quant_config(cfg, dtype):
    """BitsAndBytesConfig for qlora / --quant_bits (None for unquantized training)."""
    bits = 4 if cfg.tuner.train_type == "qlora" and not cfg.tuner.quant_bits else cfg.tuner.quant_bits
    if not bits:
        return None
    from transformers import BitsAndBytesConfig

    if bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True)
    if bits != 4:
        raise UsageError(f"--quant_bits {bits}: bitsandbytes training supports 4 or 8")
    compute = cfg.tuner.bnb_4bit_compute_dtype
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=cfg.tuner.bnb_4bit_quant_type,
                              bnb_4bit_use_double_quant=cfg.tuner.bnb_4bit_use_double_quant,
                              bnb_4bit_compute_dtype=models.pick_dtype(compute, "cuda") if compute else dtype)


def lora_config(cfg, task_type: str = "CAUSAL_LM", steps: int | None = None):
    """peft LoraConfig from the tuner options (None for full fine-tuning); the other peft tuners ms-swift names
    (engine/tuners.py) from the same options."""
    if cfg.tuner.train_type == "full":
        return None
    from peft import LoraConfig

    from swift_cli.engine import tuners

    if cfg.tuner.train_type == "lora_llm":
        raise UsageError("--train_type lora_llm trains a VL model's vision tower in full beside LoRA on its language "
                         "model; this model has no vision tower: use --train_type lora")
    targets = cfg.tuner.target_modules
    target = "all-linear" if targets in (["all-linear"], ["all"], ["ALL"]) else targets
    if cfg.tuner.train_type in tuners.PEFT_TUNERS:
        return tuners.peft_config(cfg, target, task_type, steps)
    return LoraConfig(r=cfg.tuner.lora_rank, lora_alpha=cfg.tuner.lora_alpha, lora_dropout=cfg.tuner.lora_dropout,
                      target_modules=target, modules_to_save=cfg.tuner.modules_to_save or None,
                      use_dora=cfg.tuner.train_type == "dora" or cfg.tuner.use_dora, task_type=task_type)


def trainer_kwargs(cfg, run_dir: Path, dtype, device: str, has_eval: bool) -> dict:
    """Arguments shared by every trl config class (SFT, DPO, ...), from the train options."""
    import torch

    t = cfg.train
    eval_strategy = t.eval_strategy or ("steps" if has_eval else "no")
    if eval_strategy != "no" and not has_eval:
        if getattr(getattr(cfg, "evalscope", None), "eval_use_evalscope", False):
            eval_strategy = "no"  # no validation rows: EvalScope scores the checkpoints (engine/eval/callback.py)
        else:
            raise UsageError(f"--eval_strategy {eval_strategy}: there are no validation rows to evaluate; give "
                             "--val_dataset FILE or --split_dataset_ratio 0.01, or --eval_use_evalscope true")
    report_to = [r for r in (t.report_to or []) if r.lower() != "none"] or "none"
    kwargs = dict(
        output_dir=str(run_dir), num_train_epochs=t.num_train_epochs, max_steps=t.max_steps,
        per_device_train_batch_size=t.per_device_train_batch_size,
        per_device_eval_batch_size=t.per_device_eval_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps, learning_rate=learning_rate(cfg),
        lr_scheduler_type=t.lr_scheduler_type, warmup_steps=t.warmup_steps or t.warmup_ratio,
        weight_decay=t.weight_decay, max_grad_norm=t.max_grad_norm, optim=t.optim,
        gradient_checkpointing=t.gradient_checkpointing, seed=t.seed,
        data_seed=cfg.data.data_seed if cfg.data.data_seed is not None else t.seed,
        logging_steps=t.logging_steps, save_steps=t.save_steps, eval_steps=t.eval_steps or t.save_steps,
        eval_strategy=eval_strategy, save_total_limit=t.save_total_limit, save_only_model=t.save_only_model,
        report_to=report_to, dataloader_num_workers=t.dataloader_num_workers, use_cpu=device == "cpu",
        bf16=dtype == torch.bfloat16 and device != "cpu", fp16=False, disable_tqdm=True,
        include_num_input_tokens_seen="non_padding", remove_unused_columns=False,
        logging_nan_inf_filter=False,  # a NaN/inf loss must show in the logs (hints.nonfinite_callback stops on it)
        deepspeed=deepspeed_config(t.deepspeed, device), **fsdp_kwargs(t.fsdp),
    )
    from swift_cli.options.compat import trainer_fields

    kwargs.update(trainer_fields(cfg))  # ms-swift's TrainingArguments flags the user gave, unchanged
    return kwargs


def policy_model(cfg, loaded: Loaded, steps: int | None = None):
    """(model, peft_config): base + the adapter given by --adapters to keep training, or the base and a new
    LoRA config (None for full fine-tuning)."""
    base = models.load_model(loaded.model_dir, loaded.dtype, loaded.device, cfg.model.attn_impl,
                             quant_config(cfg, loaded.dtype))
    # No KV cache in training: with a cache transformers skips the packed-sequence mask, and packed rows
    # would attend to each other (tests/engine/test_packing.py).
    base.config.use_cache = False
    adapters = models.parse_adapters(cfg.model.adapters)
    if not adapters:
        return base, lora_config(cfg, steps=steps)
    if len(adapters) > 1:
        raise UsageError("--adapters: training continues exactly one adapter")
    from peft import PeftModel

    return PeftModel.from_pretrained(base, next(iter(adapters.values())), is_trainable=True), None


def prepare_device(device: str) -> None:
    """CPU: flush denormal floats to zero; Adam's second moments of rarely-hit rows (e.g. lm_head) decay into
    denormals, and x86 arithmetic on denormals is many times slower. Values that small don't change updates."""
    import torch

    if device == "cpu":
        torch.set_flush_denormal(True)


def deepspeed_config(value: str | None, device: str):
    """A built-in ZeRO config (zero2, zero3, zero2_offload, zero3_offload) or a JSON file, for transformers'
    integration. Which values and devices are allowed is hardware.rules' call (the planner asks the same)."""
    from hardware.rules import deepspeed_trains, deepspeed_value_problem

    if not value or value.lower() in ("none", "false"):
        return None
    if why := deepspeed_value_problem(value):
        raise UsageError(why)
    if not deepspeed_trains(device):
        raise RequirementError(f"--deepspeed {value} needs CUDA GPUs (this machine: {device})")
    try:
        import deepspeed  # noqa: F401
    except ImportError:
        raise RequirementError(f"--deepspeed {value} needs deepspeed: pip install 'yichui[deepspeed]'") from None
    if value.endswith(".json"):
        if not Path(value).is_file():
            raise UsageError(f"--deepspeed {value}: no such file")
        return value
    stage = int(value[4])
    zero: dict = {"stage": stage, "overlap_comm": True, "contiguous_gradients": True}
    if value.endswith("offload"):
        zero["offload_optimizer"] = {"device": "cpu", "pin_memory": True}
        if stage == 3:
            zero["offload_param"] = {"device": "cpu", "pin_memory": True}
    if stage == 3:
        zero["stage3_gather_16bit_weights_on_model_save"] = True
    return {"bf16": {"enabled": "auto"}, "fp16": {"enabled": "auto"}, "zero_optimization": zero,
            "gradient_accumulation_steps": "auto", "gradient_clipping": "auto",
            "train_micro_batch_size_per_gpu": "auto", "train_batch_size": "auto"}


def _to_dataset(encoded):
    from datasets import Dataset

    return Dataset.from_dict({"input_ids": [e.input_ids for e in encoded], "labels": [e.labels for e in encoded]})


def _packed_dataset(encoded, max_length: int, task: str):
    from datasets import Dataset

    from swift_cli.engine.data.packing import pack, split_long

    rows = split_long(encoded, max_length) if task == "pt" else encoded
    return Dataset.from_list(pack(rows, max_length))


def build_sft_trainer(cfg, loaded: Loaded, data: Prepared, run_dir: Path, extra_callbacks=(), task: str = "sft"):
    """An SFTTrainer over pre-tokenized rows (labels already masked to assistant tokens); with --packing (always
    for pt) rows are packed by us into max_length sequences kept apart by position ids; with --padding_free each
    batch is one row of its rows end to end."""
    from trl import SFTConfig, SFTTrainer

    from swift_cli.engine.data.packing import PackedCollator, PaddingFreeCollator

    from swift_cli.engine import tuners

    prepare_device(loaded.device)
    model, peft_config = policy_model(cfg, loaded, steps=tuners.total_steps(cfg, len(data.train)))
    packing = cfg.data.packing or task == "pt"
    padding_free = bool(cfg.data.padding_free) and not packing
    kwargs = trainer_kwargs(cfg, run_dir, loaded.dtype, loaded.device, bool(data.val))
    if padding_free:  # no padding and no attention mask: every token counts (pad == eos would undercount)
        kwargs["include_num_input_tokens_seen"] = "all"
    args = SFTConfig(**kwargs, max_length=cfg.data.max_length, packing=False,
                     dataset_kwargs={"skip_prepare_dataset": packing})
    to_dataset = (lambda rows: _packed_dataset(rows, cfg.data.max_length, task)) if packing else _to_dataset
    collator = PackedCollator(loaded.tokenizer.pad_token_id) if packing else \
        PaddingFreeCollator() if padding_free else None
    if cfg.tuner.train_type == "adalora":
        extra_callbacks = (*extra_callbacks, tuners.adalora_callback())
    return SFTTrainer(model=model, args=args, train_dataset=to_dataset(data.train),
                      eval_dataset=to_dataset(data.val) if data.val else None, data_collator=collator,
                      processing_class=loaded.tokenizer, peft_config=peft_config,
                      callbacks=list(extra_callbacks))


def run(trainer, run_dir: Path, resume: str | None, description: str, monitor=None, deadline: float | None = None,
        on_diverged=None, resume_command=None, model_dir: Path | None = None) -> Path:
    """Train with logs, progress, a resource monitor (engine.monitor.Monitor), NaN/inf stop, Ctrl-C and
    --max_runtime (`deadline`, time.monotonic()) handling; returns the last checkpoint."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    from swift_cli.engine import monitor as monitoring

    for cb in (PrinterCallback, ProgressCallback):
        trainer.remove_callback(cb)
    if monitor is not None:
        trainer.add_callback(monitoring.trainer_callback(monitor))
    trainer.add_callback(callbacks.JsonlLogger(run_dir / "logging.jsonl",
                                               extra=monitor.log_fields if monitor is not None else None))
    progress = callbacks.RichProgress(description, status=monitor.status_line if monitor is not None else None)
    trainer.add_callback(progress)
    nonfinite = callbacks.nonfinite_callback()
    trainer.add_callback(nonfinite)
    if model_dir is not None:
        trainer.add_callback(callbacks.processor_files_callback(model_dir))
    interrupt = callbacks.InterruptToCheckpoint(deadline).install()
    trainer.add_callback(interrupt)
    from swift_cli.engine import launch

    if launch.world_size() > 1:  # torchrun: each rank notes its steps in its own log
        trainer.add_callback(launch.rank_heartbeat())
    try:
        trainer.train(resume_from_checkpoint=resume)
    finally:
        interrupt.uninstall()
        progress.on_train_end(None, None, None)  # also when training raised: stop the live display
        if monitor is not None:
            monitor.stop()
        if trainer.is_world_process_zero():
            _plot(run_dir)
    ckpt = runs.last_checkpoint(run_dir)
    if monitor is not None and trainer.is_world_process_zero():
        print(monitor.summary_line(), flush=True)
    if nonfinite.step is not None:
        if on_diverged is not None:
            raise on_diverged(nonfinite.step, nonfinite.value, ckpt, nonfinite.key)
        raise Diverged(f"the {nonfinite.key} became {nonfinite.value} at step {nonfinite.step}; lower --learning_rate")
    if interrupt.timed_out:
        how = resume_command(ckpt) if resume_command else f"the same command plus --resume_from_checkpoint {ckpt}"
        raise RuntimeLimit(f"--max_runtime reached; saved {ckpt}; resume: {how}")
    if interrupt.interrupted:
        print(f"interrupted: saved {ckpt}", file=sys.stderr)
        raise Interrupted(f"stopped by Ctrl-C; resume with the same command plus --resume_from_checkpoint {ckpt}")
    return ckpt


def _plot(run_dir: Path) -> None:
    """loss.png / rewards.png; a plot that cannot be drawn (e.g. no memory left to import matplotlib after an
    allocation failure) is a warning, never the error that hides why training stopped."""
    try:
        runs.plot_curves(run_dir)
    except (ImportError, OSError, MemoryError, RuntimeError, ValueError) as exc:
        print(f"warning: the training curves were not drawn ({type(exc).__name__}: {exc})", file=sys.stderr)
