"""Option groups shared by commands, one concern each. Defaults follow ms-swift where users carry habits."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.options.declare import opt

DTYPES = ("auto", "bfloat16", "float16", "float32", "bf16", "fp16", "fp32")
# ms-swift's --train_type values: ours, the peft tuners it names (engine/tuners.py) and the ones it builds itself
TRAIN_TYPES = ("lora", "dora", "qlora", "full", "adalora", "vera", "boft", "fourierft", "bone", "llamapro", "reft",
               "longlora", "adapter", "ia3", "lora_llm", "dummy")
SCHEDULERS = ("cosine", "linear", "constant", "constant_with_warmup", "cosine_with_restarts", "polynomial",
              "inverse_sqrt", "cosine_with_min_lr", "warmup_stable_decay")


@dataclass(frozen=True)
class ModelArgs:
    """Which model, from where, in which dtype and chat template."""

    model: str | None = opt(None, "Local dir, ModelScope id (default hub) or Hugging Face id with --use_hf true",
                            aliases=("model_id_or_path",), zh="模型", wizard=True)
    model_type: str | None = opt(None, "Accepted for ms-swift compatibility; the architecture is read from config.json")
    use_hf: bool = opt(False, "Download from Hugging Face instead of ModelScope")
    revision: str | None = opt(None, "Hub revision (branch, tag or commit)", aliases=("model_revision",))
    hub_token: str | None = opt(None, "Hub token (else MODELSCOPE_API_TOKEN / HF_TOKEN); never logged", secret=True)
    torch_dtype: str = opt("auto", "Weights dtype; on CPU bf16/fp16 fall back to float32 with a warning",
                           aliases=("dtype",), choices=DTYPES)
    template: str | None = opt(None, "Chat template name (chatml, qwen, llama3, default...); default: the tokenizer's")
    system: str | None = opt(None, "System prompt used for training rows without one and for inference")
    enable_thinking: bool | None = opt(None, "Hybrid-thinking models (Qwen3-style templates): true/false is passed "
                                       "to the chat template on every render; default: the template's own")
    attn_impl: str | None = opt(None, "Attention implementation (sdpa, eager, flash_attention_2)",
                                aliases=("attn_implementation",))
    adapters: list[str] = opt([], "LoRA checkpoint(s) to load; NAME=PATH to name them", aliases=("adapter",))


@dataclass(frozen=True)
class DataArgs:
    """Datasets, sampling, splitting and sequence length."""

    dataset: list[str] = opt([], "Files (jsonl/json/csv/parquet/txt) or names (self-cognition), each with #N",
                             aliases=("datasets",), zh="数据集", wizard=True)
    val_dataset: list[str] = opt([], "Validation files or names, each with #N")
    split_dataset_ratio: float = opt(0.0, "Fraction of --dataset held out for validation when no --val_dataset")
    max_length: int = opt(2048, "Longest tokenized row; see --truncation_strategy", zh="最大长度")
    truncation_strategy: str = opt("delete", "Rows over max_length: delete (drop row), left (keep the end), "
                                   "right (keep the start), split (cut into max_length rows)",
                                   choices=("delete", "left", "right", "split"))
    loss_scale: str = opt("default", "Which tokens the loss sees: default (every assistant answer), last_round "
                          "(the last answer), all (every token), ignore_empty_think (default without an empty "
                          "<think></think>; joined with +, as ms-swift: last_round+ignore_empty_think)")
    agent_template: str | None = opt(None, "Tool-calling rows (a `tools` column, tool_call / tool_response turns): "
                                     "hermes (<tool_call> JSON) or react_en (Action: / Action Input:); default: "
                                     "the chat template's own tools support", choices=("hermes", "react_en"))
    packing: bool = opt(False, "Pack rows into max_length sequences (no padding, rows kept apart by position ids)")
    padding_free: bool | None = opt(None, "Lay each batch's rows end to end in one row instead of padding them "
                                    "(default: on when batch x max_length <= 4096, where that row stays short)")
    dataset_shuffle: bool = opt(True, "Shuffle the training rows")
    data_seed: int | None = opt(None, "Seed for sampling/splitting/shuffling (default: --seed)")
    dataset_num_proc: int = opt(1, "Processes for tokenization")
    model_name: list[str] = opt([], "Name(s) for self-cognition data: zh then en, or one for both",
                                zh="模型名字", wizard=True)
    model_author: list[str] = opt([], "Author(s) for self-cognition data: zh then en, or one for both",
                                  zh="模型作者", wizard=True)
    streaming: bool = opt(False, "Accepted for compatibility; datasets are read in full")


@dataclass(frozen=True)
class TunerArgs:
    """What is trained: full weights or adapters."""

    train_type: str = opt("lora", "full, lora, dora or qlora", aliases=("sft_type", "tuner_type"),
                          choices=TRAIN_TYPES, zh="训练方式", wizard=True)
    lora_rank: int = opt(8, "LoRA rank", aliases=("lora_r",), zh="LoRA 秩", wizard=True)
    lora_alpha: int = opt(32, "LoRA alpha")
    lora_dropout: float = opt(0.05, "LoRA dropout")
    target_modules: list[str] = opt(["all-linear"], "Modules to adapt; all-linear resolves from the architecture",
                                    aliases=("lora_target_modules",))
    modules_to_save: list[str] = opt([], "Extra modules trained in full and saved with the adapter (e.g. lm_head)")
    use_dora: bool = opt(False, "DoRA instead of LoRA (same as --train_type dora)")
    quant_method: str | None = opt(None, "Quantize the base for training: bnb (bitsandbytes); ms-swift's hqq, "
                                   "eetq, quanto, fp8 are refused with the reason", choices=("bnb", "hqq", "eetq",
                                                                                             "quanto", "fp8"))
    quant_bits: int | None = opt(None, "Load the base quantized (4 or 8, bitsandbytes); qlora implies 4",
                                 choices=None)
    bnb_4bit_compute_dtype: str | None = opt(None, "4-bit compute dtype (default: --torch_dtype)", choices=DTYPES)
    bnb_4bit_quant_type: str = opt("nf4", "4-bit quant type", choices=("nf4", "fp4"))
    bnb_4bit_use_double_quant: bool = opt(True, "Double quantization for 4-bit")


@dataclass(frozen=True)
class TrainArgs:
    """The optimisation loop (run by the transformers/trl Trainer) and its outputs."""

    num_train_epochs: float = opt(3.0, "Epochs (ignored when --max_steps > 0)", zh="训练轮数", wizard=True)
    max_steps: int = opt(-1, "Total optimizer steps; overrides epochs when > 0", zh="最大步数", wizard=True)
    per_device_train_batch_size: int = opt(1, "Rows per device per step", aliases=("batch_size",),
                                           zh="每卡批大小", wizard=True)
    per_device_eval_batch_size: int = opt(1, "Rows per device per eval step", aliases=("eval_batch_size",))
    gradient_accumulation_steps: int = opt(1, "Micro-batches per optimizer step", zh="梯度累积", wizard=True)
    learning_rate: float | None = opt(None, "Default 1e-4 for LoRA/DoRA/QLoRA, 1e-5 for full", zh="学习率",
                                      wizard=True)
    lr_scheduler_type: str = opt("cosine", "Learning-rate schedule", choices=SCHEDULERS)
    warmup_ratio: float = opt(0.0, "Fraction of steps for linear warmup")
    warmup_steps: int = opt(0, "Warmup steps (overrides --warmup_ratio when > 0)")
    weight_decay: float = opt(0.1, "AdamW weight decay")
    max_grad_norm: float = opt(1.0, "Gradient clipping norm")
    optim: str = opt("adamw_torch", "Optimizer name as transformers knows it")
    gradient_checkpointing: bool | None = opt(None, "Recompute activations in backward to save memory (default: on "
                                                 "only when the run's plan needs it to fit; ms-swift: always on)")
    seed: int = opt(42, "Random seed")
    logging_steps: int = opt(5, "Log every N steps")
    save_steps: int = opt(500, "Save a checkpoint every N steps (and at the end)")
    eval_steps: int | None = opt(None, "Evaluate every N steps (default: --save_steps)")
    eval_strategy: str | None = opt(None, "no, steps or epoch (default: steps when there is a validation set)",
                                    aliases=("evaluation_strategy",), choices=("no", "steps", "epoch"))
    save_total_limit: int | None = opt(None, "Keep at most N checkpoints")
    save_only_model: bool = opt(False, "Checkpoints without optimizer state (cannot be resumed exactly)")
    output_dir: str | None = opt(None, "Parent of the run folders (default output/<model>)", zh="输出目录")
    add_version: bool = opt(True, "Write into output_dir/vN-<timestamp>/")
    resume_from_checkpoint: str | None = opt(None, "Continue a run from its checkpoint-N folder")
    report_to: list[str] | None = opt(None, "tensorboard, none, or other transformers integrations (default: "
                                      "tensorboard when the 'tensorboard' extra is installed, else none)")
    dataloader_num_workers: int = opt(0, "DataLoader worker processes")
    dry_run: bool = opt(False, "Validate and print the plan, then exit without training", replay=False)
    strict: bool = opt(False, "Refuse to start when the memory estimate exceeds free memory")
    max_runtime: str | None = opt(None, "Stop cleanly with a checkpoint after this long: 90s, 30m, 2h, 1h30m or "
                                  "seconds (exit 11, resume command printed)")
    max_memory: str | None = opt(None, "Refuse to start when the estimated peak per device is above this, e.g. "
                                 "20GiB, 16GB, 800MiB (exit 5)")
    hardware: str | None = opt(None, "Plan for a named hardware profile or JSON file instead of this machine")
    use_cpu: bool = opt(False, "Train on CPU even when an accelerator is present")
    deepspeed: str | None = opt(None, "zero2, zero3, zero3_offload (built in) or a DeepSpeed JSON file")
    fsdp: str | None = opt(None, "FSDP options as transformers takes them, e.g. 'full_shard auto_wrap'")


@dataclass(frozen=True)
class GenerationArgs:
    """Decoding."""

    max_new_tokens: int = opt(512, "Most tokens to generate", aliases=("max_tokens",))
    temperature: float = opt(0.0, "0 means greedy")
    top_p: float = opt(1.0, "Nucleus sampling")
    top_k: int = opt(50, "Top-k sampling")
    repetition_penalty: float = opt(1.0, "Repetition penalty")
    stop: list[str] = opt([], "Stop strings", aliases=("stop_words",))
    stream: bool = opt(True, "Stream tokens in interactive chat")


@dataclass(frozen=True)
class InferArgs:
    """What to answer and where to write it."""

    query: str | None = opt(None, "Answer this one message and exit")
    val_dataset: list[str] = opt([], "Answer every row of these files, writing --result_path")
    result_path: str | None = opt(None, "JSON lines output for batch inference")
    max_length: int = opt(2048, "Context kept for chat history")
    seed: int = opt(42, "Random seed for sampling")


@dataclass(frozen=True)
class MergeArgs:
    """Whether a LoRA adapter is merged into the base weights before inference."""

    merge_lora: bool | None = opt(None, "Merge the adapter into the base at load (faster decoding). Default: one "
                                  "adapter is merged (then only its name is served); several stay unmerged; "
                                  "false keeps one unmerged next to the base")


@dataclass(frozen=True)
class BackendArgs:
    """Which inference engine runs the model."""

    infer_backend: str = opt("pt", "pt (transformers), llamacpp (a GGUF file, CPU-fast) or vllm; ms-swift's sglang / "
                             "lmdeploy are known but not installable here",
                             choices=("pt", "transformers", "llamacpp", "vllm", "sglang", "lmdeploy"))


@dataclass(frozen=True)
class RlhfArgs:
    """Preference optimisation (trl's DPO, ORPO, CPO/SimPO, KTO trainers)."""

    rlhf_type: str = opt("dpo", "Algorithm", choices=("dpo", "orpo", "kto", "simpo", "cpo", "grpo", "rm", "ppo", "gkd"),
                         zh="对齐算法")
    beta: float | None = opt(None, "Strength of the preference term / KL penalty (default 0.1; grpo 0.04; gkd 0.5, "
                             "its JSD interpolation)")
    loss_type: list[str] = opt([], "trl loss type(s): DPO sigmoid, ipo, hinge, robust, bco_pair, sppo_hard, "
                               "aot, apo_zero, ...; CPO sigmoid, hinge, ipo, simpo; KTO kto, apo_zero_unpaired")
    rpo_alpha: float | None = opt(None, "Add the chosen answers' NLL with this weight (RPO)")
    label_smoothing: float = opt(0.0, "Robust DPO / CPO label smoothing")
    max_prompt_length: int | None = opt(None, "Drop rows whose prompt has more tokens than this")
    ref_model: str | None = opt(None, "Reference model for full fine-tuning (default: a frozen copy of --model)")
    cpo_alpha: float = opt(1.0, "CPO: weight of the NLL term (SimPO uses 0)")
    simpo_gamma: float = opt(1.0, "SimPO target reward margin")
    desirable_weight: float = opt(1.0, "KTO weight of desirable examples")
    undesirable_weight: float = opt(1.0, "KTO weight of undesirable examples")
