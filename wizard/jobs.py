"""A job is a command plus option values. It becomes argv, is shown as the exact `swift ...` line, runs
through the same `main(argv, prog)` the CLI runs (swift_cli.app.run_command), and leaves command.sh and
recipe.yaml in the run folder so that the run can be replayed."""
from __future__ import annotations

import importlib
import importlib.util
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.panel import Panel

from swift_cli.app import COMMANDS
from wizard import questions, ui
from wizard.i18n import t


def module_name(command: str) -> str:
    return COMMANDS[command][0]


def available(command: str) -> bool:
    """Whether this version has the command's module (some are added by parallel work)."""
    return importlib.util.find_spec(f"swift_cli.commands.{module_name(command)}") is not None


def load(command: str):
    return importlib.import_module(f"swift_cli.commands.{module_name(command)}")


def config_class(command: str) -> type:
    """The command's config dataclass (the one its module defines and parses into)."""
    from swift_cli.options.render import command_config

    return command_config(command)


@dataclass
class Job:
    command: str                       # swift subcommand: sft, rlhf, infer, export, ...
    values: dict[str, Any] = field(default_factory=dict)
    plan_task: str | None = None       # planner task when the job trains (sft / dpo)
    always: tuple[str, ...] = ()       # options written even when equal to their default

    @property
    def config_cls(self) -> type:
        return config_class(self.command)

    def argv(self) -> list[str]:
        return questions.to_argv(self.config_cls, self.values, self.always)

    def command_line(self) -> str:
        from swift_cli.options.render import render_values

        return render_values(self.command, self.values, config_cls=self.config_cls)

    @property
    def trains(self) -> bool:
        return self.plan_task is not None


def show_command(job: Job) -> None:
    """The confirmation screen's body: the exact command, copy-pasteable (printed unwrapped)."""
    ui.console.print(Panel(t("confirm.title"), expand=False))
    print(job.command_line(), flush=True)


def _atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(mode)
    tmp.replace(path)


def save_replay(job: Job, run_dir: Path) -> tuple[Path, Path]:
    """command.sh (the exact command) and recipe.yaml (the same values, for `swift CMD --config`)."""
    import yaml

    recipe = questions.recipe(job.config_cls, job.values)
    cmd, rec = run_dir / "command.sh", run_dir / "recipe.yaml"
    _atomic_write(cmd, "#!/usr/bin/env bash\n# written by `swift wizard`; replays this run into a new vN- folder\n"
                       f"set -euo pipefail\n{job.command_line()}\n", 0o755)
    header = f"# {shlex.join(['swift', job.command, '--config', str(rec)])}\n# written by `swift wizard`\n"
    _atomic_write(rec, header + yaml.safe_dump(recipe, allow_unicode=True, sort_keys=False))
    return cmd, rec


def _run_dirs(job: Job) -> set[Path]:
    out = job.values.get("output_dir")
    return set(Path(out).glob("v*-*")) if out and Path(out).is_dir() else set()


EXECUTED: list[str] = []  # command lines run in this session (the exit message depends on it)


@dataclass
class Outcome:
    code: int
    run_dir: Path | None = None
    checkpoint: Path | None = None


def execute(job: Job) -> Outcome:
    """Run the command the CLI would run; for training, find the new run folder and save the replay files."""
    from swift_cli.app import run_command

    before = _run_dirs(job)
    EXECUTED.append(job.command_line())
    ui.console.print(t("run.start", cmd=job.command_line()), markup=False, soft_wrap=True)
    code = run_command(load(job.command).main, job.argv(), prog=f"swift {job.command}")
    new = sorted(_run_dirs(job) - before, key=lambda p: p.stat().st_mtime)
    if not job.trains or not new or not (new[-1] / "args.json").is_file():
        if code:
            ui.console.print(f"[red]{t('run.failed', code=code)}[/]")
        return Outcome(code)
    from swift_cli.engine.runs import last_checkpoint

    run_dir = new[-1].resolve()
    cmd, rec = save_replay(job, run_dir)
    ui.console.print(t("confirm.saved", cmd=cmd, recipe=rec))
    ckpt = last_checkpoint(run_dir)
    if code == 130 and ckpt:
        from swift_cli.options.render import render_values

        resume = render_values(job.command, {**job.values, "resume_from_checkpoint": str(ckpt)},
                               config_cls=job.config_cls)
        ui.console.print(t("run.interrupted", cmd=resume), markup=False, soft_wrap=True)
    elif code:
        ui.console.print(f"[red]{t('run.failed', code=code)}[/]")
    return Outcome(code, run_dir, ckpt)
