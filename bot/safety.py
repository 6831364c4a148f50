"""What a chat message may carry: the key=value allowlist and the checks on names and values.

Nothing a user types reaches a shell (jobs run an argv), but a message that looks like an injection attempt is
refused outright with one line, before anything is parsed further, run or written."""
from __future__ import annotations

import re

# Options a chat user may set as key=value (ms-swift names; aliases are accepted through the declarations).
# Paths (output_dir, deepspeed, resume_from_checkpoint, adapters), hub and secret options are never on it.
ALLOWED_KEYS = frozenset({
    "max_steps", "num_train_epochs", "learning_rate", "lora_rank", "lora_alpha", "lora_dropout",
    "per_device_train_batch_size", "gradient_accumulation_steps", "max_length", "save_steps", "logging_steps",
    "model_name", "model_author", "seed", "warmup_ratio", "lr_scheduler_type", "weight_decay", "system",
    "gradient_checkpointing", "torch_dtype", "beta", "eval_steps", "split_dataset_ratio", "packing",
    "eval_use_evalscope", "eval_dataset", "eval_limit",      # score checkpoints with EvalScope (ms-swift's names)
})
# Chat shorthands: `eval=yichui_mcq,yichui_math` is eval_use_evalscope=true eval_dataset=yichui_mcq,yichui_math.
SHORTHANDS = {"eval": (("eval_use_evalscope", "true"), ("eval_dataset", None))}
# Option names that would point the job at files or code; named in the refusal so users see why.
FORBIDDEN_KEYS = frozenset({
    "output_dir", "deepspeed", "resume_from_checkpoint", "adapters", "logging_dir", "config", "hub_token",
    "push_to_hub", "custom_register_path", "external_plugins", "model", "dataset", "val_dataset", "ckpt_dir",
})
# Characters a shell would act on; a chat command has no use for any of them.
SHELL_CHARS = (";", "|", "&", "`", "$(", "${", ">", "<", "\n", "\\")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._#-]{0,99}$")
VALUE = re.compile(r"^[\w.,:+#@ -]{1,200}$")   # \w covers CJK letters (model_name 小锤)
URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


class Refused(Exception):
    """A request refused before anything ran; str() is the one line the user sees."""


def check_text(text: str) -> None:
    """Refuse a message carrying shell syntax (`; rm -rf /`, `$(...)`, backticks, pipes, redirections)."""
    for ch in SHELL_CHARS:
        if ch in text:
            shown = "newline" if ch == "\n" else ch
            raise Refused(f"refused: {shown!r} is not allowed in a command (nothing runs through a shell); "
                          f"nothing was run")


def check_name(what: str, name: str) -> str:
    """A model, dataset, recipe or file name: letters, digits, . _ - # only; no `..`, no slashes, no URLs."""
    if URL.match(name):
        raise Refused(f"refused: {what} {name!r}: URLs are not fetched from chat; nothing was run")
    if ".." in name or "/" in name or not NAME.match(name):
        raise Refused(f"refused: {what} {name!r}: names may hold letters, digits, '.', '_', '-', '#' only "
                      f"(no paths, no '..'); nothing was run")
    return name


def check_key(key: str) -> str:
    """A key=value key on the allowlist (normalised like the CLI: dashes → underscores, leading -- dropped)."""
    norm = key.strip().lstrip("-").replace("-", "_").lower()
    if norm in FORBIDDEN_KEYS:
        raise Refused(f"refused: {norm} cannot be set from chat (paths and files are chosen by the service); "
                      f"nothing was run")
    if norm not in ALLOWED_KEYS:
        raise Refused(f"refused: unknown or not allowed flag {key!r}; allowed: {', '.join(sorted(ALLOWED_KEYS))}; "
                      f"nothing was run")
    return norm


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def check_value(key: str, value: str) -> str:
    """A value: no paths, URLs, shell or flag syntax (a leading '-' only on a number)."""
    if value.startswith("-") and not _number(value):
        raise Refused(f"refused: {key}={value!r}: a value may not look like a flag; nothing was run")
    if URL.match(value) or ".." in value or "/" in value or not VALUE.match(value):
        raise Refused(f"refused: {key}={value!r}: values may not hold paths, URLs or special characters; "
                      f"nothing was run")
    return value
