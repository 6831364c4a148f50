"""ms-swift's flags that yichui declares no option of its own for: every one is known, per command, as ms-swift
accepts it (names, kinds and defaults in msswift_flags.py, generated from ms-swift's argument classes).

What a given one does here, decided before anything heavy:
- a transformers TrainingArguments field on a training command reaches the trainer unchanged (trainer_fields);
- a feature that needs hardware or an engine this machine lacks (vLLM, SGLang, LMDeploy, Megatron, sequence
  parallel, DeepSpeed offload, Ray) is refused in one line when set to anything but its default, naming why and
  what would run it (exit 3);
- any other is accepted with a note that it has no effect here yet, never silently.
The group is hidden from --help (ms-swift's documentation describes these flags)."""
from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

from swift_cli.errors import RequirementError
from swift_cli.options.declare import opt
from swift_cli.options.msswift_flags import CLASSES, HF, HF_BASES, TOP

GROUP = "ms"  # the field name of the compat group in each command config
TRAINING = ("sft", "pt", "rlhf", "dpo")  # dpo parses the rlhf flags
KINDS = {"bool": bool, "int": int, "float": float, "str": str}

# (flag name or prefix ending in "_", why it cannot run here, what would run it)
REFUSED = (
    ("vllm_", "vLLM runs on CUDA GPUs only", "a CUDA machine with the 'vllm' extra"),
    ("sleep_level", "vLLM's sleep mode runs on CUDA GPUs only", "a CUDA machine with the 'vllm' extra"),
    ("sglang_", "SGLang is not installable here", "a CUDA machine with sglang installed"),
    ("lmdeploy_", "LMDeploy is not installable here", "a CUDA machine with lmdeploy installed"),
    ("sequence_parallel_size", "sequence parallelism splits one sequence over several GPUs",
     "several CUDA GPUs (ms-swift's Ulysses / ring attention)"),
    ("offload_optimizer", "offloading during GRPO generation is a vLLM colocate feature", "a CUDA machine with vLLM"),
    ("offload_model", "offloading during GRPO generation is a vLLM colocate feature", "a CUDA machine with vLLM"),
    ("use_ray", "Ray-distributed training is not supported here", "ms-swift with a Ray cluster"),
    ("megatron_", "Megatron-LM training is not part of yichui", "ms-swift's `megatron` command on GPUs"),
    ("teacher_deepspeed", "DeepSpeed runs on CUDA GPUs", "a CUDA machine with the 'deepspeed' extra"),
)

# values of our own options that ms-swift accepts and that cannot run here: (option, value) -> (why, what runs it)
REFUSED_VALUES = {
    ("infer_backend", "sglang"): ("SGLang is not installable here (CUDA only)",
                                  "a CUDA machine with sglang; here --infer_backend pt"),
    ("infer_backend", "lmdeploy"): ("LMDeploy is not installable here (CUDA only)",
                                    "a CUDA machine with lmdeploy; here --infer_backend pt"),
}

# ms-swift flags of the "ms" group that a run does act on (no "no effect" note for them): flag -> does this config
# read it (--columns: the rows GRPO and GKD read, engine/rl/data.py)
ACTED_ON = {"base_url": lambda cfg: type(cfg).__name__ == "AppConfig",  # swift app chats with that server
            "columns": lambda cfg: getattr(getattr(cfg, "rlhf", None), "rlhf_type", None) in ("grpo", "gkd"),
            # the rerankers' sigmoid in infer / deploy (engine/tasks)
            "reranker_use_activation": lambda cfg: getattr(getattr(cfg, "tasks", None), "task_type", None) in
            ("reranker", "generative_reranker")}
# `swift rollout` maps these onto trl's vLLM server (engine/serve/rollout.py)
ROLLOUT_FLAGS = ("host", "port", "max_model_len", "vllm_tensor_parallel_size", "vllm_data_parallel_size",
                 "vllm_gpu_memory_utilization", "vllm_max_model_len", "vllm_enforce_eager", "vllm_enable_prefix_caching")
ACTED_ON.update({name: (lambda cfg: type(cfg).__name__ == "RolloutConfig") for name in ROLLOUT_FLAGS})
VLLM_REFUSALS = ("vllm_", "sleep_level", "offload_optimizer", "offload_model")  # not refused where vLLM is installed


def _fields(cls: str, seen: set) -> dict[str, tuple]:
    if cls in seen:
        return {}
    seen.add(cls)
    if cls in HF_BASES:
        return dict(HF)
    bases, own = CLASSES.get(cls, ([], {}))
    out = dict(own)
    for base in bases:
        for name, spec in _fields(base, seen).items():
            out.setdefault(name, spec)
    return out


def ms_flags(command: str) -> dict[str, tuple]:
    """{flag: (kind, default)} of every flag ms-swift's `swift <command>` accepts."""
    return _fields(TOP[command], set()) if command in TOP else {}


def _annotation(kind: str, default: Any):
    if kind == "list":
        return list[str] | None
    base = KINDS[kind]
    return base if default is not None else base | None


def compat_group(command: str, *own_groups: type) -> type:
    """A frozen option group with each ms-swift flag of `command` that the command's own groups do not declare
    (names and aliases)."""
    taken = set()
    for group in own_groups:
        for f in dataclasses.fields(group):
            taken.add(f.name)
            taken.update(f.metadata.get("aliases", ()))
    fields = []
    for name, (kind, default) in sorted(ms_flags(command).items()):
        if name in taken:
            continue
        if kind == "list" and default is None:
            default = []
        fields.append((name, _annotation(kind, default), opt(default, f"ms-swift's --{name}")))
    cls_name = "MsSwift" + command.title().replace("-", "") + "Args"
    return dataclasses.make_dataclass(cls_name, fields, frozen=True)


def refusal(name: str) -> tuple[str, str] | None:
    for key, why, what in REFUSED:
        if name == key or (key.endswith("_") and name.startswith(key)):
            return None if key in VLLM_REFUSALS and _has_vllm() else (why, what)
    return None


def _has_vllm() -> bool:
    """vLLM is installed (found, not imported): its flags then reach vLLM, which checks the GPU itself."""
    import importlib.util

    return importlib.util.find_spec("vllm") is not None


def given_compat(cfg) -> dict[str, Any]:
    from swift_cli.options.declare import given

    group = getattr(cfg, GROUP, None)
    if group is None:
        return {}
    names = given(cfg)
    return {f.name: getattr(group, f.name) for f in dataclasses.fields(group) if f.name in names}


def check(cfg, command: str) -> None:
    """Refuse (one line, exit 3) the given ms-swift flags that cannot run here; a note for those without effect."""
    from swift_cli.options.declare import flat_dict

    flat = flat_dict(cfg, redact=False)
    for (name, value), (why, what) in REFUSED_VALUES.items():
        if flat.get(name) == value:
            raise RequirementError(f"--{name} {value}: {why}; it runs on {what}")
    values = given_compat(cfg)
    defaults = {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
                for f in dataclasses.fields(getattr(cfg, GROUP))} if values else {}
    inert = []
    for name, value in values.items():
        reason = refusal(name)
        if reason and value != defaults[name] and value not in (None, [], 0, False):
            why, what = reason
            raise RequirementError(f"--{name} {value}: {why}; it runs on {what}")
        if (command in TRAINING and name in HF) or (name in ACTED_ON and ACTED_ON[name](cfg)):
            continue  # reaches the trainer (trainer_fields), or the command reads it
        inert.append(f"--{name}")
    if inert:
        print(f"note: {' '.join(inert)}: ms-swift flag{'s' if len(inert) > 1 else ''} accepted; no effect in "
              f"yichui's `swift {command}` yet", file=sys.stderr)


def trainer_fields(cfg) -> dict[str, Any]:
    """The given ms-swift flags that are transformers TrainingArguments fields, for the trainer's config (JSON
    text for the dict-valued ones, e.g. --lr_scheduler_kwargs '{"min_lr": 0}')."""
    out = {}
    for name, value in given_compat(cfg).items():
        if name not in HF:
            continue
        if isinstance(value, str) and value.strip()[:1] in "{[":
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[name] = value
    return out


def columns_mapping(cfg) -> dict[str, str]:
    """ms-swift's --columns '{"answer": "solution"}': dataset columns renamed as rows are read."""
    from swift_cli.errors import UsageError

    text = getattr(getattr(cfg, GROUP, None), "columns", None)
    if not text:
        return {}
    try:
        mapping = json.loads(text)
    except ValueError:
        raise UsageError(f"--columns {text}: not valid JSON (e.g. '{{\"answer\": \"solution\"}}')") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise UsageError(f"--columns {text}: expected a JSON object of old name: new name")
    return {str(k): v for k, v in mapping.items()}
