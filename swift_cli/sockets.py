"""A listening socket bound before anything slow starts (the model server and the web UI share it), so a busy
port fails in a second; each caller words the error for its own flags."""
from __future__ import annotations

import socket


def listen(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A TCP socket listening on host:port (IPv6 when the host has a ':'); bind's OSError is raised as is, after
    the socket is closed."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(backlog)
    return sock
