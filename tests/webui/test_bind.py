"""The console binds before anything slow starts: a busy port is one line naming the flags, the socket is freed."""
from __future__ import annotations

import pytest

from swift_cli.errors import UsageError
from swift_cli.sockets import listen
from webui.serve import bind


def test_busy_port_is_one_line_naming_server_port():
    taken = listen("127.0.0.1", 0)
    port = taken.getsockname()[1]
    try:
        with pytest.raises(UsageError, match=rf"^--server_name 127.0.0.1 --server_port {port}: cannot listen: the "
                                             r"port is in use \(pick another --server_port, or 0\)$"):
            bind("127.0.0.1", port)
    finally:
        taken.close()
    sock = bind("127.0.0.1", port)  # free again: the same port binds
    assert sock.getsockname()[1] == port
    sock.close()
