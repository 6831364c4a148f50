"""`swift app --model M [--adapters CKPT]`: the web UI's chat page alone, answering from our deploy server."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.commands.web_ui import check
from swift_cli.errors import UsageError
from swift_cli.options.compat import compat_group
from swift_cli.options.webui import AppModelArgs, WebUIArgs

SUMMARY = ("A chat page for one model (and LoRA checkpoint): streaming answers from `swift deploy` started on a "
           "loopback port, with a system prompt and sampling settings.")


# ms-swift's other `swift app` flags (--base_url, --stream, --max_new_tokens, --infer_backend, vllm_* ...): known,
# refused in one line where they cannot run here, else noted as without effect (options/compat.py)
MsAppArgs = compat_group("app", AppModelArgs, WebUIArgs)


@dataclass(frozen=True)
class AppConfig:
    model: AppModelArgs
    ui: WebUIArgs
    ms: MsAppArgs


def main(argv: list[str], prog: str = "swift app") -> int:
    _, cfg = parse(AppConfig, argv, prog, SUMMARY)
    check(cfg.ui)
    if not cfg.model.model and not cfg.model.adapters:
        raise UsageError("--model (or --adapters CKPT) is required: the model the chat page serves")
    from webui.serve import serve_console

    return serve_console(cfg.ui, chat_model=cfg.model.model, chat_adapter=cfg.model.adapters)
