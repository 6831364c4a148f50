"""The closing report of a training job: where everything is, the loss plot, answers before/after (asked
through `swift infer --query`, the same command a user would type) and, for self-cognition, whether the
name was learned. Also written as report.md in the run folder."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

from rich.table import Table

from swift_cli.mainjob import IDENTITY, QUESTIONS, name_learned
from wizard import questions, ui
from wizard.i18n import t
from wizard.jobs import Job, Outcome, config_class, load


class InferFailed(Exception):
    """`swift infer` failed (its one-line error is already on stderr); carries its exit code."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def ask(values: dict, qs=QUESTIONS, strict: bool = False) -> list[str]:
    """Greedy answers from `swift infer --query Q` with these model values (stdout captured); with `strict`
    a failed answer raises InferFailed instead of standing in the table as '(swift infer exit N)'."""
    from swift_cli.app import run_command

    infer_cls = config_class("infer")
    main = load("infer").main
    answers = []
    for q in qs:
        argv = questions.to_argv(infer_cls, {**values, "query": q, "max_new_tokens": 40})
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = run_command(main, argv, prog="swift infer")
        if code == 130:  # Ctrl-C while asking: stop here, as at any question
            raise ui.Quit()
        if code and strict:
            raise InferFailed(code)
        answers.append(out.getvalue().strip() if code == 0 else f"(swift infer exit {code})")
    return answers


def model_values(job: Job) -> dict:
    """How `swift infer` names the model this job starts from."""
    keep = ("model", "adapters", "use_hf", "revision", "torch_dtype", "template", "system")
    return {k: v for k, v in job.values.items() if k in keep and v not in (None, [])}


def trained_values(job: Job, outcome: Outcome) -> dict:
    """How `swift infer` names the trained result: the adapter alone (args.json names the base), or the
    full checkpoint."""
    if job.values.get("train_type") == "full":
        return {"model": str(outcome.checkpoint)}
    return {"adapters": [str(outcome.checkpoint)]}


def render(job: Job, outcome: Outcome, before: list[str], after: list[str]) -> bool:
    """Print the report (and write report.md); returns whether the taught name shows up after training."""
    run_dir = outcome.run_dir
    plot = run_dir / "loss.png"
    info = Table(title=t("report.title"), show_header=False, title_justify="left")
    info.add_column(style="cyan")
    info.add_column(overflow="fold")
    rows = [(t("report.run_dir"), str(run_dir)), (t("report.ckpt"), str(outcome.checkpoint)),
            (t("report.plot"), str(plot) if plot.is_file() else "-"),
            (t("report.command"), f"bash {run_dir / 'command.sh'}")]
    if (run_dir / "rewards.png").is_file():
        rows.insert(3, (t("report.rewards"), str(run_dir / "rewards.png")))
    for k, v in rows:
        info.add_row(k, v)
    ui.console.print(info)
    answers = Table()
    for col in (t("report.question"), t("report.before"), t("report.after")):
        answers.add_column(col, overflow="fold")
    for q, b, a in zip(QUESTIONS, before, after):
        answers.add_row(q, b[:60], a[:80])
    ui.console.print(answers)
    names = job.values.get("model_name") or []
    learned = name_learned(names, after[:len(IDENTITY)])
    md = [f"# {run_dir.name}", "", *[f"- {k}: `{v}`" for k, v in rows], "", "| question | before | after |",
          "|---|---|---|", *[f"| {q} | {b[:60]} | {a[:80]} |" for q, b, a in zip(QUESTIONS, before, after)]]
    md += _scores_before_after(run_dir)
    if names:
        line = t("report.learned", yes="yes" if learned else "NO")
        ui.console.print(line)
        md += ["", line]
    (run_dir / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    return learned if names else True


def _scores_before_after(run_dir: Path) -> list[str]:
    """Benchmark scores at step 0 (before) and at each checkpoint, when the run scored them (--eval_use_evalscope)."""
    from swift_cli.engine.eval.results import training_scores

    names, score_rows = training_scores(run_dir)
    if not score_rows:
        return []
    table = Table(title=t("report.scores"))
    for col in ("step", *names):
        table.add_column(col, justify="right")
    cells = [[str(step), *("-" if v is None else f"{v:.3f}" for v in vals)] for step, *vals in score_rows]
    for row in cells:
        table.add_row(*row)
    ui.console.print(table)
    return ["", f"| step | {' | '.join(names)} |", "|---" * (len(names) + 1) + "|",
            *[f"| {' | '.join(row)} |" for row in cells]]


def report_path(outcome: Outcome) -> Path | None:
    return outcome.run_dir / "report.md" if outcome.run_dir else None
