"""A STAND-IN for the Hugging Face Hub's file API on 127.0.0.1 (tests have no internet).

It serves repos from memory the way huggingface_hub 2.4 reads them (see its file_download.py and
hf_api.py): repo info at /api/{models|datasets}/{repo}/revision/{rev}, the recursive tree at
/api/.../tree/{rev}, and files at /{repo}/resolve/{rev}/{file} (datasets under /datasets/) with
HEAD metadata (X-Repo-Commit, ETag / X-Linked-Etag = sha256 for LFS files, X-Linked-Size) and
Range requests. Faults on demand: `cut[file] = n` sends only n bytes of the first full GET and
drops the connection; `corrupt` serves a flipped byte while advertising the true hash. It counts
the body bytes it sends per file, so tests can measure what a resume re-sent.
"""
from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

LFS_MIN = 1024   # files at least this big are "LFS" files (etag = sha256), as the real hub does for weights


class Repo:
    """Files of one repo revision."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.commit = hashlib.sha1(b"".join(k.encode() + files[k] for k in sorted(files))).hexdigest()

    def is_lfs(self, path: str) -> bool:
        return len(self.files[path]) >= LFS_MIN

    def tree(self) -> list[dict]:
        out = []
        for path, data in sorted(self.files.items()):
            blob = hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()
            entry = {"type": "file", "oid": blob, "size": len(data), "path": path}
            if self.is_lfs(path):
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            out.append(entry)
        return out


class StandinHub:
    """Start with `with StandinHub({("model", "org/name"): {...files}}) as hub:`; `hub.url` is the endpoint."""

    def __init__(self, repos: dict[tuple[str, str], dict[str, bytes]]):
        self.repos = {key: Repo(files) for key, files in repos.items()}
        self.cut: dict[str, int] = {}          # file -> bytes sent before the connection drops (once)
        self.corrupt: set[str] = set()         # files served with one byte flipped
        self.sent: dict[str, int] = {}         # file -> body bytes sent in all
        self.requests: list[tuple[str, str, str | None]] = []   # (method, path, Range header)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "StandinHub":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def _json(self, status: int, body, headers: dict | None = None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _not_found(self, code: str = "RepoNotFound"):
                self._json(404, {"error": "Repository not found"}, {"X-Error-Code": code})

            def do_HEAD(self):
                self._route()

            def do_GET(self):
                self._route()

            def _route(self):
                path = unquote(urlparse(self.path).path)
                with hub.lock:
                    hub.requests.append((self.command, path, self.headers.get("Range")))
                if path.startswith("/api/v1/"):
                    return self._modelscope(path, parse_qs(urlparse(self.path).query))
                m = re.fullmatch(r"/api/(models|datasets)/([^/]+/[^/]+)(?:/revision/([^/]+))?", path)
                if m:
                    repo = hub.repos.get((m.group(1)[:-1], m.group(2)))
                    if repo is None:
                        return self._not_found()
                    return self._json(200, {"id": m.group(2), "sha": repo.commit, "private": False,
                                            "siblings": [{"rfilename": p} for p in sorted(repo.files)]})
                m = re.fullmatch(r"/api/(models|datasets)/([^/]+/[^/]+)/tree/([^/]+)(/.*)?", path)
                if m:
                    repo = hub.repos.get((m.group(1)[:-1], m.group(2)))
                    return self._json(200, repo.tree()) if repo else self._not_found()
                m = re.fullmatch(r"/(datasets/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
                if m:
                    repo = hub.repos.get(("dataset" if m.group(1) else "model", m.group(2)))
                    if repo is None:
                        return self._not_found()
                    if m.group(4) not in repo.files:
                        return self._not_found("EntryNotFound")
                    return self._file(repo, m.group(4))
                self._json(404, {"error": "not found"})

            def _modelscope(self, path: str, query: dict):
                """ModelScope's legacy /api/v1 file API (what modelscope_hub's snapshot download reads)."""
                m = re.fullmatch(r"/api/v1/(models|datasets)/([^/]+/[^/]+)(/repo/files|/repo/tree|/repo)?", path)
                repo = hub.repos.get((m.group(1)[:-1], m.group(2))) if m else None
                if repo is None:
                    return self._json(404, {"Code": 10010205001, "Message": "repo not exists", "Success": False})
                if m.group(3) in ("/repo/files", "/repo/tree"):
                    files = [{"Path": p, "Name": p.rsplit("/", 1)[-1], "Type": "blob", "Size": len(d),
                              "Sha256": hashlib.sha256(d).hexdigest(), "Revision": repo.commit}
                             for p, d in sorted(repo.files.items())]
                    return self._json(200, {"Code": 200, "Data": {"Files": files}, "Success": True})
                if m.group(3) == "/repo":
                    name = (query.get("FilePath") or [""])[0]
                    if name not in repo.files:
                        return self._json(404, {"Code": 10010205001, "Message": "file not exists", "Success": False})
                    return self._file(repo, name)
                return self._json(200, {"Code": 200, "Data": {"Id": m.group(2), "Revision": repo.commit},
                                        "Success": True})

            def _file(self, repo: Repo, name: str):
                data = repo.files[name]
                true_sha = hashlib.sha256(data).hexdigest()
                blob = hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()
                if name in hub.corrupt:
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                start = 0
                rng = self.headers.get("Range")
                if rng and (m := re.fullmatch(r"bytes=(\d+)-", rng.strip())):
                    start = int(m.group(1))
                body = data[start:]
                self.send_response(206 if start else 200)
                self.send_header("X-Repo-Commit", repo.commit)
                etag = true_sha if repo.is_lfs(name) else blob
                self.send_header("ETag", f'"{etag}"')
                if repo.is_lfs(name):
                    self.send_header("X-Linked-Etag", f'"{true_sha}"')
                    self.send_header("X-Linked-Size", str(len(data)))
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                if self.command == "HEAD":
                    return
                cut = hub.cut.pop(name, None) if not start else None
                if cut is not None:   # send part of the body, then drop the connection mid-file
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    with hub.lock:
                        hub.sent[name] = hub.sent.get(name, 0) + cut
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)
                with hub.lock:
                    hub.sent[name] = hub.sent.get(name, 0) + len(body)

        return Handler


def closed_port_url() -> str:
    """An endpoint on 127.0.0.1 where nothing listens (the 'offline' hub)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"
