"""`swift wizard`: guided menus (zh/en) that build the same commands the CLI runs, or --auto for the default
job with no questions (SmolLM2-135M-Instruct taught a new name, asked before/after, reported; --model tiny for the
built-in tiny model)."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.options.declare import opt

SUMMARY = ("Guided menus: download, chat, fine-tune, align, quantize, export, deploy, plan. Every choice ends as "
           "the equivalent `swift ...` command, saved with a recipe YAML in the run folder.")
TASKS = ("sft", "dpo", "rlhf", "infer", "chat", "deploy", "export", "quantize", "download", "plan", "eval")


@dataclass(frozen=True)
class WizardArgs:
    """What the wizard starts with."""

    auto: bool = opt(False, "Run the default job with no questions (sft on smollm2-135m-instruct, or tiny, unless "
                     "--model/--dataset say otherwise)")
    task: str | None = opt(None, "Skip the main menu and open this flow", choices=TASKS)
    model: str | None = opt(None, "Preselect the model: 'smollm2-135m-instruct' (the --auto default), 'tiny' "
                            "(built-in, seconds), a local dir or a hub id")
    dataset: list[str] = opt([], "Preselect the dataset(s)")
    lang: str | None = opt(None, "zh or en (default: from LC_ALL / LANG)", choices=("zh", "en"))
    hardware: str | None = opt(None, "Plan for a named hardware profile or JSON file instead of this machine")
    output_dir: str = opt("output", "Parent folder of the runs (each model gets output_dir/<model>/vN-...)")


@dataclass(frozen=True)
class WizardConfig:
    wizard: WizardArgs


def main(argv: list[str], prog: str = "swift wizard") -> int:
    _, cfg = parse(WizardConfig, argv, prog, SUMMARY)
    from wizard.flows import Ctx
    from wizard.menu import run

    w = cfg.wizard
    preset = {}
    if w.model:
        preset["model"] = w.model
    if w.dataset:
        preset["dataset"] = list(w.dataset)
    ctx = Ctx(hardware=w.hardware, output_dir=w.output_dir, preset=preset, auto=w.auto)
    return run(ctx, task=w.task, lang=w.lang)
