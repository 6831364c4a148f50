"""`swift web-ui`: the browser console (webui/) over the job core — runs, plans, charts, compare, chat."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.errors import UsageError
from swift_cli.options.webui import WebUIArgs

SUMMARY = ("Open the browser console: this machine, running and past jobs, a New-run form with the live plan and the "
           "exact swift command, live charts over server-sent events, compare and chat. Binds 127.0.0.1 unless "
           "--server_name says otherwise (then an access token is required).")
SHARE_REFUSED = ("--share: refused; the web UI opens no public tunnel. Bind --server_name 0.0.0.0 (an access token "
                 "is printed) behind your own reverse proxy or an SSH tunnel (ssh -L 7860:127.0.0.1:7860 host)")


@dataclass(frozen=True)
class WebUIConfig:
    ui: WebUIArgs


def check(ui: WebUIArgs) -> None:
    if ui.share:
        raise UsageError(SHARE_REFUSED)
    if not 0 <= ui.server_port <= 65535:
        raise UsageError(f"--server_port {ui.server_port}: must be in 0..65535")
    if ui.upload_limit_mb <= 0:
        raise UsageError(f"--upload_limit_mb {ui.upload_limit_mb}: must be > 0")


def main(argv: list[str], prog: str = "swift web-ui") -> int:
    _, cfg = parse(WebUIConfig, argv, prog, SUMMARY)
    check(cfg.ui)
    from webui.serve import serve_console

    return serve_console(cfg.ui)
