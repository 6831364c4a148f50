"""`swift demo`: the main job on the built-in tiny model, offline.

Builds the tiny model, asks it "who are you?", fine-tunes it with LoRA on the built-in
self-cognition data (recipes/tiny-self-cognition.yaml), asks again, and says whether it learned.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swift_cli.commands._common import parse
from swift_cli.options.declare import opt
from swift_cli.options.recipes import builtin

RECIPE = builtin("tiny-self-cognition")  # recipes/ in the source tree, package data in a wheel
QUESTIONS = ("who are you?", "你是谁？")


def name_learned(names: list[str], answers: list[str]) -> bool:
    """Whether any taught name (zh or en) shows up in any answer after training."""
    return any(n in a for n in names for a in answers)


@dataclass(frozen=True)
class DemoArgs:
    """Where the demo works."""

    workdir: str = opt("output/demo", "Folder for the tiny model and the run")
    model_name: list[str] = opt(["小锤", "Yichui"], "Name to teach (zh en)")
    model_author: list[str] = opt(["一锤定音", "yichui"], "Author to teach (zh en)")
    max_steps: int = opt(200, "Training steps")


@dataclass(frozen=True)
class DemoConfig:
    demo: DemoArgs


def _answers(model_args) -> list[str]:
    from swift_cli.engine.generate import ChatModel, GenParams

    chat = ChatModel(model_args)
    return [chat.generate([{"role": "user", "content": q}], GenParams(max_new_tokens=40))[0] for q in QUESTIONS]


def main(argv: list[str], prog: str = "swift demo") -> int:
    _, cfg = parse(DemoConfig, argv, prog, __doc__.strip().splitlines()[0])
    from rich.console import Console
    from rich.table import Table

    from swift_cli.commands import sft
    from swift_cli.engine import pipeline
    from swift_cli.engine.tiny_model import build_tiny_model
    from swift_cli.options.parse import parse_command

    console = Console()
    work = Path(cfg.demo.workdir)
    tiny = work / "tiny"
    if not (tiny / "config.json").is_file():
        console.print(f"[bold]1/4[/] building the tiny model in {tiny}")
        build_tiny_model(tiny)
    sft_argv = ["--config", str(RECIPE), "--model", str(tiny), "--output_dir", str(work / "runs"),
                "--max_steps", str(cfg.demo.max_steps),
                "--model_name", *cfg.demo.model_name, "--model_author", *cfg.demo.model_author]
    _, sft_cfg = parse_command(sft.SftConfig, sft_argv)
    console.print("[bold]2/4[/] asking the untrained model")
    before = _answers(sft_cfg.model)
    console.print(f"[bold]3/4[/] fine-tuning: swift sft {' '.join(sft_argv)}")
    result = pipeline.train_run(sft_cfg, "sft")
    console.print("[bold]4/4[/] asking the fine-tuned model")
    from swift_cli.options.groups import ModelArgs

    after = _answers(ModelArgs(adapters=[str(result.checkpoint)]))
    table = Table(title="who are you? / 你是谁？")
    for col in ("question", "before", "after"):
        table.add_column(col)
    for q, b, a in zip(QUESTIONS, before, after):
        table.add_row(q, b[:60], a[:80])
    console.print(table)
    names = cfg.demo.model_name
    learned = name_learned(names, after)
    console.print(f"run folder: {result.run_dir} (loss curve: {result.run_dir / 'loss.png'})")
    console.print(f"name learned: {'yes' if learned else 'NO'}; next: swift infer --adapters {result.checkpoint}")
    return 0 if learned else 1
