"""Options of the online RL family (`swift rlhf --rlhf_type grpo|rm|ppo|gkd`), with ms-swift's names and defaults,
and their pure checks. The preference options (beta, loss_type, ...) stay in groups.RlhfArgs."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swift_cli.options.declare import opt

RL_TYPES = ("grpo", "rm", "ppo", "gkd")
BUILTIN_REWARDS = ("accuracy", "format", "cosine", "repetition", "soft_overlong")
# ms-swift's beta defaults per algorithm: DPO-family 0.1, GRPO 0.04, GKD 0.5 (the JSD interpolation).
BETA_DEFAULTS = {"grpo": 0.04, "gkd": 0.5}


@dataclass(frozen=True)
class RlArgs:
    """Online RL: GRPO rewards and sampling, reward models, GKD teachers (ms-swift names)."""

    reward_funcs: list[str] = opt([], "GRPO rewards: accuracy (math-verify vs the row's solution), format "
                                  "(<think>..</think><answer>..</answer>), cosine, repetition, soft_overlong, or a "
                                  "function name from --external_plugins", zh="奖励函数")
    reward_weights: list[float] = opt([], "One weight per reward (default 1.0 each; --reward_model last)")
    external_plugins: list[str] = opt([], "Python file(s) defining reward functions f(completions, **row) -> floats")
    reward_model: str | None = opt(None, "Reward model (a `--rlhf_type rm` checkpoint) scoring GRPO completions")
    num_generations: int = opt(8, "Completions sampled per prompt (the GRPO group)", zh="每个提示的采样数")
    max_completion_length: int = opt(512, "Most tokens per sampled completion", zh="最长生成长度")
    temperature: float = opt(0.9, "Sampling temperature for GRPO / GKD rollouts")
    top_p: float = opt(0.9, "Nucleus sampling for rollouts")
    top_k: int = opt(50, "Top-k sampling for rollouts (0: off)")
    repetition_penalty: float = opt(1.0, "Repetition penalty for rollouts")
    epsilon: float = opt(0.2, "GRPO clipping range")
    epsilon_high: float | None = opt(None, "Upper clipping range (DAPO clip-higher; default: --epsilon)")
    num_iterations: int = opt(1, "Policy updates per generated batch (GRPO mu)")
    scale_rewards: str = opt("group", "Advantage scaling: group, batch or none", choices=("group", "batch", "none"))
    log_completions: bool = opt(False, "Print sampled completions with their rewards at each log step")
    use_vllm: bool = opt(False, "Generate rollouts with vLLM (CUDA); elsewhere transformers generates")
    vllm_mode: str = opt("colocate", "colocate (vLLM in the training process) or server (`trl vllm-serve`)",
                         choices=("colocate", "server"))
    vllm_server_host: str = opt("127.0.0.1", "vLLM server host for --vllm_mode server")
    vllm_server_port: int = opt(8000, "vLLM server port for --vllm_mode server")
    vllm_gpu_memory_utilization: float = opt(0.9, "GPU memory share vLLM may take when colocated")
    cosine_min_len_value_wrong: float = opt(-0.5, "cosine reward: wrong answer, shortest")
    cosine_max_len_value_wrong: float = opt(0.0, "cosine reward: wrong answer, longest")
    cosine_min_len_value_correct: float = opt(1.0, "cosine reward: correct answer, shortest")
    cosine_max_len_value_correct: float = opt(0.5, "cosine reward: correct answer, longest")
    cosine_max_len: int | None = opt(None, "cosine reward: length scale (default --max_completion_length)")
    repetition_n_grams: int = opt(3, "repetition reward: n-gram size")
    repetition_max_penalty: float = opt(-1.0, "repetition reward: penalty of a fully repeated completion")
    soft_max_length: int | None = opt(None, "soft_overlong reward: length limit (default --max_completion_length)")
    soft_cache_length: int | None = opt(None, "soft_overlong reward: penalty ramp before the limit (default 1/4)")
    teacher_model: str | None = opt(None, "GKD teacher: a local dir or hub id (same vocabulary as --model)")
    lmbda: float = opt(0.5, "GKD: share of on-policy (student-generated) batches")
    seq_kd: bool = opt(False, "GKD: train on teacher-generated sequences (sequence-level KD)")


def beta_for(rlhf) -> float:
    """--beta as given, else ms-swift's default for the algorithm."""
    return rlhf.beta if rlhf.beta is not None else BETA_DEFAULTS.get(rlhf.rlhf_type, 0.1)


def validate(cfg) -> list[str]:
    """The RL options' problems, one line each (pure apart from checking that files exist)."""
    kind, rl, t = cfg.rlhf.rlhf_type, cfg.rl, cfg.train
    problems: list[str] = []
    if kind != "grpo":
        if rl.reward_funcs or rl.external_plugins:
            problems.append(f"--reward_funcs / --external_plugins apply to --rlhf_type grpo, not {kind}")
        if kind not in RL_TYPES:
            return problems
    if kind == "grpo":
        if not rl.reward_funcs and not rl.reward_model:
            problems.append("--rlhf_type grpo needs --reward_funcs (accuracy, format, cosine, repetition, "
                            "soft_overlong or a plugin function) or --reward_model")
        n_rewards = len(rl.reward_funcs) + bool(rl.reward_model)
        if rl.reward_weights and len(rl.reward_weights) != n_rewards:
            problems.append(f"--reward_weights has {len(rl.reward_weights)} value(s) for {n_rewards} reward(s)")
        if rl.num_generations < 2:
            problems.append(f"--num_generations must be at least 2 (GRPO compares completions), got "
                            f"{rl.num_generations}")
        else:
            batch = t.per_device_train_batch_size * t.gradient_accumulation_steps
            if batch % rl.num_generations:
                problems.append(f"--per_device_train_batch_size × --gradient_accumulation_steps ({batch}) must be a "
                                f"multiple of --num_generations ({rl.num_generations}): each batch holds whole groups")
            has_eval = cfg.data.val_dataset or cfg.data.split_dataset_ratio > 0
            if has_eval and t.per_device_eval_batch_size % rl.num_generations:
                problems.append(f"--per_device_eval_batch_size ({t.per_device_eval_batch_size}) must be a multiple of "
                                f"--num_generations ({rl.num_generations}) when there is a validation set")
        if cfg.rlhf.beta is not None and cfg.rlhf.beta < 0:
            problems.append(f"--beta (the KL coefficient) must be 0 or more, got {cfg.rlhf.beta}")
        if rl.max_completion_length < 1:
            problems.append(f"--max_completion_length must be at least 1, got {rl.max_completion_length}")
        if rl.temperature <= 0:
            problems.append(f"--temperature must be positive for sampling rollouts, got {rl.temperature}")
        if not 0 < rl.top_p <= 1:
            problems.append(f"--top_p must be in (0, 1], got {rl.top_p}")
        for path in rl.external_plugins:
            if not Path(path).is_file():
                problems.append(f"--external_plugins {path}: no such file")
    if kind == "ppo" and not rl.reward_model:
        problems.append("--rlhf_type ppo needs --reward_model (a `--rlhf_type rm` checkpoint)")
    if kind == "gkd":
        if not rl.teacher_model:
            problems.append("--rlhf_type gkd needs --teacher_model (a model with the same vocabulary as --model)")
        if not 0 <= rl.lmbda <= 1:
            problems.append(f"--lmbda must be in [0, 1], got {rl.lmbda}")
        beta = beta_for(cfg.rlhf)
        if not 0 <= beta <= 1:
            problems.append(f"--beta for gkd is the JSD interpolation and must be in [0, 1], got {beta}")
    if rl.reward_model and kind in ("grpo", "ppo") and not Path(rl.reward_model).exists():
        problems.append(f"--reward_model {rl.reward_model}: no such folder (train one with --rlhf_type rm)")
    return problems


@dataclass(frozen=True)
class RmScoreArgs:
    """What `swift rm-score` scores."""

    model: str | None = opt(None, "Reward model: a `--rlhf_type rm` checkpoint (LoRA) or a full folder",
                            aliases=("adapters", "reward_model"))
    dataset: list[str] = opt([], "Preference files (the formats dpo reads): prints pair accuracy and mean margin")
    query: str | None = opt(None, "Score one answer: the user's message")
    response: str | None = opt(None, "Score one answer: the assistant's answer to --query")
    use_cpu: bool = opt(False, "Score on CPU even when an accelerator is present")


def fill_defaults(cfg):
    """GRPO counts completions per batch: when the batch options are left at their defaults (1 × 1), one prompt's
    whole group (--num_generations completions) becomes the batch, as ms-swift's examples set it. A value the user
    changed is kept (and validated)."""
    import dataclasses
    import sys

    t = cfg.train
    if cfg.rlhf.rlhf_type != "grpo" or (t.per_device_train_batch_size, t.gradient_accumulation_steps) != (1, 1):
        return cfg
    n = cfg.rl.num_generations
    print(f"note: --per_device_train_batch_size {n} (one prompt's {n} completions per step; GRPO batches hold "
          "whole groups)", file=sys.stderr)
    eval_batch = n if t.per_device_eval_batch_size == 1 else t.per_device_eval_batch_size  # a given value is kept
    return dataclasses.replace(cfg, train=dataclasses.replace(t, per_device_train_batch_size=n,
                                                              per_device_eval_batch_size=eval_batch))
