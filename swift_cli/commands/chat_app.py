"""`swift app --model M [--adapters CKPT]`: the web UI's chat page alone, answering from our deploy server."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.commands.web_ui import check
from swift_cli.errors import UsageError
from swift_cli.options.compat import compat_group
from swift_cli.options.webui import AppModelArgs, WebUIArgs

SUMMARY = ("A chat page for one model (and LoRA checkpoint): streaming answers from `swift deploy` started on a "
           "loopback port, or from a server already running (--base_url), with a system prompt and sampling settings.")


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
    base_url = cfg.ms.base_url
    if base_url and not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base_url {base_url}: an http(s) URL of an OpenAI-compatible server, e.g. "
                         "http://127.0.0.1:8000/v1")
    if base_url and cfg.model.adapters:
        raise UsageError("--adapters: with --base_url the running server serves the model (name it with --model)")
    if not (cfg.model.model or cfg.model.adapters or base_url):
        raise UsageError("--model (or --adapters CKPT, or --base_url URL) is required: the model the chat page serves")
    from webui.serve import serve_console

    return serve_console(cfg.ui, chat_model=cfg.model.model, chat_adapter=cfg.model.adapters, base_url=base_url)
