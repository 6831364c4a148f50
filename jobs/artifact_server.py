"""`python -m jobs.artifact_server ROOT`: serve ROOT/files on 127.0.0.1 behind signed, expiring links.

GET /a/<name>?exp=<unix time>&sig=<hmac> → the file's bytes; 403 with the reason for an expired link or a bad
signature; 404 for a missing file. GET /health → ROOT/files (so a store finds its own server). The chosen port
and this process's pid are written to ROOT/server.port."""
from __future__ import annotations

import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from jobs.artifacts import signing_key, valid


def make_handler(root: Path):
    files = (root / "files").resolve()
    key = signing_key(root)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:   # query strings carry signatures: no access log
            pass

        def _answer(self, code: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlsplit(self.path)
            if url.path == "/health":
                return self._answer(200, str(files).encode())
            if not url.path.startswith("/a/"):
                return self._answer(404, b"not found\n")
            name = unquote(url.path[3:])
            q = parse_qs(url.query)
            try:
                expires, sig = int(q["exp"][0]), q["sig"][0]
            except (KeyError, ValueError, IndexError):
                return self._answer(403, b"unsigned link\n")
            why = valid(key, name, expires, sig)
            if why:
                return self._answer(403, f"link refused: {why}\n".encode())
            path = (files / name).resolve()
            if files not in path.parents or not path.is_file():
                return self._answer(404, b"no such artifact\n")
            self._answer(200, path.read_bytes(), "application/octet-stream")

    return Handler


def main(argv: list[str]) -> int:
    root = Path(argv[0])
    server = ThreadingHTTPServer(("127.0.0.1", int(argv[1]) if len(argv) > 1 else 0), make_handler(root))
    tmp = root / "server.port.tmp"
    tmp.write_text(f"{server.server_address[1]} {os.getpid()}")
    os.replace(tmp, root / "server.port")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
