"""The `swift` entry point: a typer app that dispatches to one module per command.

Options of each command are parsed by our own ms-swift compatible parser (several values per flag,
aliases, `--config` recipes), so typer only routes the subcommand and prints the command list.
Command modules are imported when their command runs, which keeps `swift --help` free of torch.
"""
from __future__ import annotations

import importlib
import sys

import typer

from swift_cli.errors import report

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module under swift_cli.commands, one-line help)
    "sft": ("sft", "Supervised fine-tuning (full / LoRA / DoRA / QLoRA) on chat data"),
    "pt": ("pt", "Continued pre-training on raw text, packed"),
    "dpo": ("dpo", "Direct preference optimisation (trl), from an SFT adapter or from scratch"),
    "rlhf": ("rlhf", "Alignment: --rlhf_type dpo|orpo|kto|simpo|cpo, grpo (reward functions), rm, gkd"),
    "rm-score": ("rm_score", "Score answers with a reward model (--rlhf_type rm output); pair accuracy on a dataset"),
    "infer": ("infer", "Answer a query, chat, or answer a dataset with a model or adapter"),
    "deploy": ("deploy", "OpenAI-compatible API server for a model and its adapters"),
    "eval": ("eval", "Score a model, adapters or an endpoint with EvalScope (benchmarks, your data, built-in sets)"),
    "export": ("export", "Merge LoRA, write GGUF / Ollama / ONNX, quantize or push — verified by reloading"),
    "quantize": ("quantize", "Quantize a model (hqq, quanto, torchao, bnb on CPU; gptq/awq on CUDA), verified"),
    "download": ("download", "Download a model or dataset from ModelScope (default) or Hugging Face"),
    "list": ("list_registry", "List the curated models or datasets: swift list models|datasets"),
    "wizard": ("wizard", "Guided menus (zh/en) that build and run the same commands"),
    "plan": ("plan", "Memory estimate and the flags that fit, before you launch"),
    "doctor": ("doctor", "Check python, torch, drivers, disk, engines and hub reachability"),
    "validate-dataset": ("validate_dataset", "List every bad row of a dataset file with its line number"),
    "tiny-model": ("tiny_model", "Build the built-in tiny model (offline), for demos and tests"),
    "sample": ("sample", "Many answers per prompt, scored by a reward, the best kept (rejection-sampling data)"),
    "rollout": ("rollout", "ms-swift's vLLM rollout server for GRPO server mode (CUDA + vLLM; refused here)"),
    "jobs": ("jobs", "Submit, list, follow, stop and resume background jobs (the web UI's job core)"),
    "bot": ("bot", "Chat-ops front door: .finetune from Discord, Slack or the console, within each user's limits"),
    "web-ui": ("web_ui", "The browser console: runs with live plan and charts, compare, chat (127.0.0.1 unless told)"),
    "app": ("chat_app", "A chat page for one model or LoRA checkpoint, answering from our deploy server"),
    "demo": ("demo", "The main job on the built-in tiny model: build, fine-tune, show before/after"),
}

app = typer.Typer(
    name="swift",
    help="yichui (一锤定音): fine-tune, quantize and serve LLMs. ms-swift compatible flags.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register(name: str, module: str, help_text: str) -> None:
    @app.command(name, help=help_text, add_help_option=False,
                 context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                                   "allow_interspersed_args": False})
    def _command(ctx: typer.Context) -> None:
        def body(argv: list[str], prog: str) -> int:
            return importlib.import_module(f"swift_cli.commands.{module}").main(argv, prog=prog)

        raise typer.Exit(run_command(body, list(ctx.args), prog=f"swift {name}"))


for _name, (_module, _help) in COMMANDS.items():
    _register(_name, _module, _help)


def run_command(fn, argv: list[str], prog: str) -> int:
    """Run a command body; every exception becomes one line on stderr and an exit code."""
    try:
        result = fn(argv, prog=prog)
        return int(result or 0)
    except SystemExit as exc:  # commands may exit on purpose (e.g. --help)
        return int(exc.code or 0) if isinstance(exc.code, int) else 0
    except BaseException as exc:  # noqa: BLE001 - the single boundary where errors become messages
        return report(exc)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="swift")


if __name__ == "__main__":
    sys.exit(main())
