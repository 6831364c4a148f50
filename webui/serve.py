"""Start the console: bind (loopback by default), make the access token for any other bind, print the address
once, refresh the job table in the background (queued jobs start when memory frees), serve until Ctrl-C."""
from __future__ import annotations

import errno
import socket
import sys
import threading

from swift_cli.errors import UsageError
from swift_cli.sockets import listen
from webui.security import is_loopback, new_token

REFRESH_S = 2.0


def bind(host: str, port: int) -> socket.socket:
    try:
        return listen(host, port)
    except OSError as exc:
        why = "the port is in use (pick another --server_port, or 0)" if exc.errno == errno.EADDRINUSE \
            else (exc.strerror or str(exc))
        raise UsageError(f"--server_name {host} --server_port {port}: cannot listen: {why}") from None


def _refresher(store, stop: threading.Event) -> None:
    while not stop.wait(REFRESH_S):
        try:
            store.refresh()
        except Exception as exc:  # noqa: BLE001 - a locked table or a vanished folder is retried next time
            print(f"warning: job refresh: {exc}", file=sys.stderr)


def serve_console(ui, chat_model: str | None = None, chat_adapter: str | None = None,
                  base_url: str | None = None) -> int:
    import uvicorn

    from jobs import JobStore
    from webui.app import Console, create_app

    sock = bind(ui.server_name, ui.server_port)
    token = None if is_loopback(ui.server_name) else new_token()
    store = JobStore()
    store.refresh()  # a restarted UI finds every job first (running ones keep streaming)
    console = Console(store=store, token=token, lang=ui.lang, upload_limit=int(ui.upload_limit_mb * 2**20),
                      chat_model=chat_model, chat_adapter=chat_adapter, base_url=base_url,
                      app_only=bool(chat_model or chat_adapter or base_url))
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    path = "/chat" if console.app_only else "/"
    print(f"web UI at http://{shown}:{port}{path}" + (f"?token={token}" if token else "")
          + (" (access token shown once; it is required on a non-loopback bind)" if token else "")
          + f"; jobs in {store.root}", flush=True)
    from webui.machine import start_probe

    start_probe()
    stop = threading.Event()
    threading.Thread(target=_refresher, args=(store, stop), daemon=True).start()
    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):  # shut down and return (uvicorn would re-raise the signal, skipping the
            super().handle_exit(sig, frame)  # cleanup below that stops the chat's model server)
            self._captured_signals.clear()

    server = Server(uvicorn.Config(create_app(console), log_level="warning", access_log=False,
                                   timeout_graceful_shutdown=3, lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        stop.set()
        console.chats.close()
    return 0
