"""GRPO through trl's GRPOTrainer: rewards by name (built-ins, plugins, a reward model), sampling as ms-swift
names it, vLLM on CUDA when asked. Two additions to trl's trainer: a timer around generation, so the logs and the
live monitor can show generation against training time, and, without vLLM, rollouts through fast_rollout (one
prefill per prompt shared by its generations, batched decoding) instead of transformers' generate."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from swift_cli.engine import train
from swift_cli.errors import UsageError
from swift_cli.options.rl import beta_for


def _timed(trainer_cls):
    class TimedGRPOTrainer(trainer_cls):
        """trl's GRPOTrainer, with each rollout's wall time logged as time/generation_s (step_time is trl's)."""

        def _get_per_token_logps_and_entropies(self, model, input_ids, attention_mask, logits_to_keep,
                                               batch_size=None, compute_entropy=False, compute_aux_loss=False, **mm):
            from swift_cli.engine.rl import shared_prefix

            if compute_aux_loss or any(v is not None for v in mm.values()) or not shared_prefix.supported(self):
                return super()._get_per_token_logps_and_entropies(model, input_ids, attention_mask, logits_to_keep,
                                                                  batch_size, compute_entropy, compute_aux_loss, **mm)
            logps, entropies = shared_prefix.logps_and_entropies(self, model, input_ids, attention_mask,
                                                                 logits_to_keep, compute_entropy)
            return logps, entropies, None

        def _generate_single_turn(self, prompt_ids, images, multimodal_fields, num_generations, **kw):
            from swift_cli.engine.rl import fast_rollout

            if not multimodal_fields and not any(images or []) and fast_rollout.supported(self):
                return fast_rollout.generate(self, prompt_ids), None
            return super()._generate_single_turn(prompt_ids, images, multimodal_fields, num_generations, **kw)

        def _generate(self, prompts):
            start = time.perf_counter()
            out = super()._generate(prompts)
            mode = "train" if self.model.training else "eval"
            self._metrics[mode]["time/generation_s"].append(time.perf_counter() - start)
            return out

    return TimedGRPOTrainer


def vllm_usable(rl, device: str) -> bool:
    """--use_vllm only where vLLM can run (CUDA with vllm installed); otherwise one line and transformers."""
    if not rl.use_vllm:
        return False
    if device != "cuda":
        print(f"note: --use_vllm needs a CUDA GPU (this machine: {device}); rollouts are generated with transformers",
              file=sys.stderr)
        return False
    try:
        import vllm  # noqa: F401
    except ImportError:
        print("note: --use_vllm: vllm is not installed (pip install 'yichui[vllm]'); rollouts are generated with "
              "transformers", file=sys.stderr)
        return False
    return True


def refuse_full_modules_for_vllm(model, peft_config=None) -> None:
    """trl pushes the merged policy into vLLM by parameter name; modules a LoRA trains in full (modules_to_save)
    keep names vLLM's model does not have (found on an H200: `lm_head.modules_to_save` in Qwen2ForCausalLM)."""
    saved = sorted({name.split(".modules_to_save")[0].rsplit(".", 1)[-1] for name, _ in model.named_parameters()
                    if ".modules_to_save." in name} | set(getattr(peft_config, "modules_to_save", None) or []))
    if saved:
        raise UsageError(f"--use_vllm true: the policy also trains {', '.join(saved)} in full (modules_to_save), "
                         "which trl cannot sync into vLLM; continue from an adapter without them, or generate with "
                         "--use_vllm false")


def config_kwargs(cfg, use_vllm: bool) -> dict:
    """GRPOConfig arguments from the RL options (ms-swift names -> trl names)."""
    rl = cfg.rl
    weights = list(rl.reward_weights) or None
    kw = {"beta": beta_for(cfg.rlhf), "num_generations": rl.num_generations,
          "max_completion_length": rl.max_completion_length, "temperature": rl.temperature, "top_p": rl.top_p,
          "top_k": rl.top_k, "repetition_penalty": rl.repetition_penalty, "epsilon": rl.epsilon,
          "epsilon_high": rl.epsilon_high, "num_iterations": rl.num_iterations, "scale_rewards": rl.scale_rewards,
          "loss_type": (cfg.rlhf.loss_type or ["grpo"])[0], "reward_weights": weights,
          "log_completions": rl.log_completions, "use_vllm": use_vllm, "vllm_mode": rl.vllm_mode,
          "vllm_gpu_memory_utilization": rl.vllm_gpu_memory_utilization}
    if use_vllm and rl.vllm_mode == "server":
        kw.update(vllm_server_host=rl.vllm_server_host, vllm_server_port=rl.vllm_server_port)
    return kw


def build_trainer(cfg, loaded: train.Loaded, rows, val_rows, run_dir: Path, reward_funcs: list):
    """GRPOTrainer over {prompt, **columns} rows with the resolved reward callables (and --reward_model last)."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    train.prepare_device(loaded.device)
    model, peft_config = train.policy_model(cfg, loaded)
    funcs, processing = list(reward_funcs), [None] * len(reward_funcs)
    if cfg.rl.reward_model:
        from swift_cli.engine.rl import reward_model

        rm, rm_tokenizer, _ = reward_model.load(cfg.rl.reward_model, cfg.train.use_cpu)
        rm.config._name_or_path = "reward_model"  # trl logs model rewards under this name
        funcs.append(rm)
        processing.append(rm_tokenizer)
    use_vllm = vllm_usable(cfg.rl, loaded.device)
    if use_vllm:
        refuse_full_modules_for_vllm(model, peft_config)
    args = GRPOConfig(**train.trainer_kwargs(cfg, run_dir, loaded.dtype, loaded.device, bool(val_rows)),
                      **config_kwargs(cfg, use_vllm))
    trainer_cls = _timed(GRPOTrainer)
    return trainer_cls(model=model, reward_funcs=funcs, args=args, train_dataset=Dataset.from_list(rows),
                       eval_dataset=Dataset.from_list(val_rows) if val_rows else None,
                       processing_class=loaded.tokenizer, reward_processing_classes=processing,
                       peft_config=peft_config)

