"""The main menu and the --auto path. Esc at the main menu exits (0); Ctrl-C anywhere at a question exits 130."""
from __future__ import annotations

import sys

from swift_cli.errors import Interrupted, UsageError
from wizard import flows, ui
from wizard.i18n import set_lang, t

ENTRIES = ("download", "chat", "sft", "dpo", "eval", "quantize", "export", "deploy", "plan", "exit")
TASK_ENTRY = {"sft": "sft", "dpo": "dpo", "rlhf": "dpo", "infer": "chat", "chat": "chat", "deploy": "deploy",
              "export": "export", "quantize": "quantize", "download": "download", "plan": "plan",
              "eval": "eval"}


def run_entry(ctx: flows.Ctx, entry: str) -> int:
    """One menu entry's flow; -1 means 'back to the main menu'."""
    if entry == "sft":
        return flows.train_flow(ctx, "sft")
    if entry == "dpo":
        return flows.train_flow(ctx, "rlhf")
    if entry == "plan":
        return flows.plan_flow(ctx)
    return flows.command_flow(ctx, {"chat": "infer"}.get(entry, entry))


def auto(ctx: flows.Ctx, task: str | None) -> int:
    """The default job, no questions: sft (or dpo) on the built-in tiny model, or answer with infer."""
    task = task or "sft"
    if task == "infer":
        from wizard import report

        try:
            answers = report.ask(flows.pickers.preset_values(ctx.preset.get("model", flows.pickers.TINY)), strict=True)
        except report.InferFailed as exc:
            return exc.code
        for q, a in zip(report.QUESTIONS, answers):
            ui.console.print(f"{q} → {a}")
        return 0
    if task not in ("sft", "dpo", "rlhf"):
        raise UsageError(t("auto.task", task=task))
    command = "sft" if task == "sft" else "rlhf"
    flows.planfit.show_hardware(ctx.profile, ctx.hardware)
    job = flows.auto_job(ctx, command)
    flows.jobs.show_command(job)
    return flows.run_and_report(ctx, job)


def run(ctx: flows.Ctx, task: str | None = None, lang: str | None = None) -> int:
    """The wizard: --auto, a --task flow, or the main menu until Exit."""
    set_lang(lang)
    try:
        if ctx.auto:
            return auto(ctx, task)
        if not sys.stdin.isatty():
            raise UsageError(t("need.tty"))
        ui.console.print(f"[bold]{t('title')}[/]  [dim]{t('keys')}[/]")
        if task:
            if task not in TASK_ENTRY:
                raise UsageError(f"--task {task}: one of {', '.join(TASK_ENTRY)}")
            code = run_entry(ctx, TASK_ENTRY[task])
            return 0 if code == -1 else code
        while True:
            try:
                entry = ui.select(t("menu"), [ui.Choice(t(f"menu.{e}"), e) for e in ENTRIES])
            except ui.Back:
                entry = "exit"
            if entry == "exit":
                ui.console.print(t("bye"))
                return 0
            try:
                code = run_entry(ctx, entry)
            except ui.Back:
                continue
            if code != -1:
                return code
    except ui.Back:
        ui.console.print(t("bye"))
        return 0
    except ui.Quit:
        raise Interrupted(t("cancelled.after" if flows.jobs.EXECUTED else "cancelled")) from None
