"""Who may use the console and how: the access token (any non-loopback bind), CSRF on every POST, upload names.

- Loopback binds (127.0.0.1, ::1, localhost) need no token. Any other bind gets a random token, printed once by
  `swift web-ui`; `?token=T` sets an HttpOnly cookie and redirects to the same page without the token.
- Every POST carries the page's CSRF token in the `X-CSRF-Token` header (a cross-site form cannot set headers and
  cannot read the token); the token is an HMAC of a secret kept in $YICHUI_HOME/webui/secret (0600), so pages
  opened before a UI restart keep working.
- Uploaded file names are reduced to a safe base name; anything that would leave the upload folder is refused.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from pathlib import Path

COOKIE = "yichui_token"
CSRF_HEADER = "x-csrf-token"
LOOPBACK_NAMES = ("localhost",)
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
DATA_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet", ".txt")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Guard:
    """The access token (None: not required) and the CSRF secret of one UI process."""

    def __init__(self, token: str | None, secret_file: Path | None = None):
        self.token = token
        self.secret = _load_secret(secret_file) if secret_file else secrets.token_bytes(32)

    @property
    def csrf(self) -> str:
        return hmac.new(self.secret, b"csrf", hashlib.sha256).hexdigest()

    def token_ok(self, cookie: str | None, query: str | None = None) -> bool:
        if self.token is None:
            return True
        return any(v and hmac.compare_digest(v.encode(), self.token.encode()) for v in (cookie, query))

    def csrf_ok(self, header: str | None) -> bool:
        return bool(header) and hmac.compare_digest(header.encode(), self.csrf.encode())


def _load_secret(path: Path) -> bytes:
    """The console's CSRF secret, made once (owner-only file)."""
    if path.is_file() and len(path.read_bytes()) >= 32:
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret := secrets.token_bytes(32))
    return secret


def safe_upload_name(name: str) -> str | None:
    """The upload's name if it is a plain data-file base name (no folders, no '..', no hidden file), else None."""
    if not name or "/" in name or "\\" in name or not SAFE_NAME.match(name) or ".." in name:
        return None
    return name if name.lower().endswith(DATA_SUFFIXES) else None
