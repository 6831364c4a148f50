"""The New-run form → the command's argv (through the one parser), the live plan panel, uploads and their checks.

The form never builds a shell string: its fields become `--flag value` tokens, `parse_command` turns them into the
typed config (a bad value is one line naming the flag), and the one renderer prints the exact `swift ...` line."""
from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

from webui.security import safe_upload_name

# Preference methods `swift rlhf --rlhf_type X` trains on the same preference data as dpo (pairs; kto also takes
# unpaired rows with a `label`, and splits pairs into a desirable and an undesirable row).
PREFERENCE_TYPES = ("orpo", "simpo", "cpo", "kto")
TASKS = ("sft", "pt", "dpo", *PREFERENCE_TYPES)
# The form's fields, in order: the wizard's key parameters (labels and help come from the declarations).
FIELDS = ("model", "dataset", "train_type", "max_steps", "num_train_epochs", "learning_rate", "lora_rank",
          "max_length", "per_device_train_batch_size", "gradient_accumulation_steps", "model_name", "model_author",
          "save_steps", "logging_steps")
LIST_FIELDS = ("dataset", "model_name", "model_author")


# One plan at a time in this process: the plan panel and a launch's admission share the planner's cached tokenizer
# (a fast tokenizer used from two threads at once fails, and the estimate would silently lose the data's lengths).
PLAN_LOCK = threading.Lock()


class FormError(ValueError):
    """A form value the parser refused: one line naming the flag."""


def form_argv(command: str, form: dict[str, Any]) -> list[str]:
    """`--flag value` tokens for the fields the user filled (lists split on whitespace), then the "more flags" text
    split as a command line would be (never run by a shell: the parser reads the tokens), ready for the parser."""
    import shlex

    argv: list[str] = []
    for name in FIELDS:
        value = form.get(name)
        if value is None or str(value).strip() == "":
            continue
        parts = str(value).split() if name in LIST_FIELDS else [str(value).strip()]
        argv += [f"--{name}", *parts]
    try:
        more = shlex.split(str(form.get("extra") or ""))
    except ValueError as exc:
        raise FormError(f"more flags: {exc}") from None
    return argv + more


def parse_form(form: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(command, {option: value}) for the form; FormError with the parser's one line when a value is bad."""
    from swift_cli.errors import UsageError
    from swift_cli.options.declare import given_values
    from swift_cli.options.parse import parse_command
    from swift_cli.options.render import command_config

    command = str(form.get("task") or "sft")
    if command not in TASKS:
        raise FormError(f"task {command!r}: choose one of {', '.join(TASKS)}")
    if not str(form.get("model") or "").strip():
        raise FormError("--model: required (a local folder or a hub id)")
    method = command if command in PREFERENCE_TYPES else None
    if method:
        command = "rlhf"
    try:
        _, cfg = parse_command(command_config(command), [*(["--rlhf_type", method] if method else []),
                                                         *form_argv(command, form)])
    except UsageError as exc:
        raise FormError(str(exc)) from None
    values = given_values(cfg)
    if method and values.get("rlhf_type") != method:
        raise FormError(f"--rlhf_type {values.get('rlhf_type')}: the form's task is {method} (leave it out)")
    if "output_dir" in values:
        raise FormError("--output_dir: a web run writes into its job's own folder (leave it out)")
    values.setdefault("report_to", "none")
    return command, values


def command_line(command: str, values: dict[str, Any]) -> str:
    from swift_cli.options.render import render_values

    return render_values(command, values)


def plan_panel(command: str, values: dict[str, Any]) -> dict[str, Any]:
    """What the plan panel shows: fits or not, the breakdown (GiB), why not, the nearest change, notes."""
    from jobs.admission import plan_for
    from jobs.store import render_job_argv

    with PLAN_LOCK:
        plan = plan_for(command, render_job_argv(command, values)[1:])
    if plan is None:
        return {"fits": None, "why_not": "no memory estimate for this model/task", "breakdown": {}}
    gib = 2**30
    return {"fits": bool(plan.fits), "peak_gib": round(plan.peak_bytes / gib, 3),
            "free_gib": round(plan.free_bytes / gib, 2), "hardware": plan.hardware,
            "breakdown": {k: round(plan.breakdown[k] / gib, 3) for k in plan.peak_terms if k in plan.breakdown},
            "why_not": plan.why_not, "notes": list(plan.notes)[:4],
            "nearest_change": (plan.nearest_change or {}).get("flags_text"),
            "elsewhere": machines_where_it_fits(command, values) if not plan.fits else []}


def machines_where_it_fits(command: str, values: dict[str, Any], limit: int = 3) -> list[str]:
    """The cheapest built-in hardware profiles where the run fits (hardware.recommend), as --hardware values."""
    from jobs.admission import TASK_OF_COMMAND
    from swift_cli.commands._recommend import rows_for
    from swift_cli.options.declare import build_config
    from swift_cli.options.render import command_config

    try:
        _, rows = rows_for(build_config(command_config(command), values), TASK_OF_COMMAND.get(command, command))
    except Exception:  # noqa: BLE001 - a missing recommendation must not break the plan panel
        return []
    return [f"{r.hardware} ({r.method})" for r in rows if r.fits][:limit]


# --- uploads ---------------------------------------------------------------------------------------------------
def stage_dir(root: Path, sid: str | None) -> Path:
    """The staging folder of one form session's uploads (root/uploads/<sid>); a bad sid gets a fresh one."""
    if not sid or not sid.isalnum() or len(sid) > 64:
        sid = secrets.token_hex(8)
    path = root / "uploads" / sid
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(folder: Path, name: str, chunks, limit: int) -> Path:
    """Write the upload's bytes to folder/name; FormError for a bad name or more than `limit` bytes."""
    safe = safe_upload_name(name)
    if safe is None:
        raise FormError(f"upload {name!r}: a plain file name ending in .jsonl/.json/.csv/.parquet/.txt")
    target = (folder / safe).resolve()
    if target.parent != folder.resolve():
        raise FormError(f"upload {name!r}: outside the upload folder")
    size = 0
    with open(target, "wb") as fh:
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                fh.close()
                target.unlink(missing_ok=True)
                raise FormError(f"upload {name!r}: larger than the limit ({limit} bytes)")
            fh.write(chunk)
    return target


def check_dataset(path: Path, task: str) -> dict[str, Any]:
    """Rows that load and every bad row with its line number (swift validate-dataset's checks)."""
    from swift_cli.engine.data.build import collect

    items, problems = collect([str(path)], "dpo" if task == "dpo" else task, model_name=[], model_author=[], seed=0)
    return {"good": len(items), "problems": problems[:50], "path": str(path)}
