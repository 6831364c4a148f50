"""The artifact store: a finished job's adapter, report and logs, handed out as download links that expire.

- LocalStore (default): files under $YICHUI_HOME/artifacts, served by our own small server on 127.0.0.1
  (jobs/artifact_server.py, started once, detached like a job) behind HMAC-signed links with an expiry time.
- S3Store: any S3-compatible store (AWS, MinIO, SeaweedFS, Alibaba OSS through its endpoint) through boto3; links
  are presigned GET URLs (the store enforces their expiry). Credentials come from the environment
  (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) or boto3's usual chain, never from a config file or a log."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

KEY_ENV = "YICHUI_ARTIFACT_KEY"
ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def signing_key(root: Path) -> bytes:
    """$YICHUI_ARTIFACT_KEY, else a random key made once and kept (mode 0600) next to the files."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode()
    path = root / ".signing-key"
    if not path.is_file():
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def signature(key: bytes, name: str, expires: int) -> str:
    return hmac.new(key, f"{name}\n{expires}".encode(), hashlib.sha256).hexdigest()


def valid(key: bytes, name: str, expires: int, sig: str, now: float | None = None) -> str | None:
    """None when the link is good, else why not ('expired', 'bad signature')."""
    if not hmac.compare_digest(signature(key, name, expires), sig):
        return "bad signature"
    if (time.time() if now is None else now) > expires:
        return "expired"
    return None


class LocalStore:
    """Files in `root`, links served by jobs/artifact_server.py on 127.0.0.1."""

    kind = "local"

    def __init__(self, root: Path, python: str | None = None):
        self.root = Path(root)
        self.files = self.root / "files"
        self.python = python or sys.executable

    def put(self, src: Path, name: str) -> str:
        """Copy `src` in as `name` (e.g. job-3/adapter_model.safetensors); returns the name."""
        dest = self.files / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        return name

    def read(self, name: str) -> bytes | None:
        """The stored bytes of `name`, None when absent."""
        path = (self.files / name).resolve()
        return path.read_bytes() if self.files.resolve() in path.parents and path.is_file() else None

    def link(self, name: str, ttl_s: float) -> str:
        expires = int(time.time() + ttl_s)
        sig = signature(signing_key(self.root), name, expires)
        return f"http://127.0.0.1:{self.ensure_server()}/a/{quote(name)}?exp={expires}&sig={sig}"

    # --- the server -----------------------------------------------------------------------------------------
    def _port_file(self) -> Path:
        return self.root / "server.port"

    def _answers(self, port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                return resp.status == 200 and resp.read().strip() == str(self.files).encode()
        except OSError:
            return False

    def ensure_server(self, timeout: float = 20.0) -> int:
        """The port of the running server for this store, starting one (detached) when none answers."""
        pf = self._port_file()
        if pf.is_file() and self._answers(int(pf.read_text().split()[0])):
            return int(pf.read_text().split()[0])
        pf.unlink(missing_ok=True)
        signing_key(self.root)
        self.files.mkdir(parents=True, exist_ok=True)
        subprocess.Popen([self.python, "-m", "jobs.artifact_server", str(self.root)], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=open(self.root / "server.log", "ab"))
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pf.is_file() and len(pf.read_text().split()) == 2 and self._answers(int(pf.read_text().split()[0])):
                return int(pf.read_text().split()[0])
            time.sleep(0.1)
        raise RuntimeError(f"the artifact server did not start; see {self.root / 'server.log'}")

    def server_pid(self) -> int | None:
        pf = self._port_file()
        parts = pf.read_text().split() if pf.is_file() else []
        return int(parts[1]) if len(parts) == 2 else None


class S3Store:
    """An S3-compatible bucket through boto3 (s3v4 signatures; presigned links expire as the store enforces)."""

    kind = "s3"

    def __init__(self, bucket: str, endpoint: str | None = None, region: str = "us-east-1", prefix: str = ""):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=region,
                                   config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))

    def ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def put(self, src: Path, name: str) -> str:
        self.client.upload_file(str(src), self.bucket, self.prefix + name)
        return name

    def read(self, name: str) -> bytes | None:
        """The stored bytes of `name`, None when absent."""
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    def link(self, name: str, ttl_s: float) -> str:
        return self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket,
                                                                        "Key": self.prefix + name},
                                                  ExpiresIn=int(ttl_s))


def open_store(spec: dict, home: Path):
    """The store a config names: {kind: local} (default) or {kind: s3, bucket, endpoint, region, prefix}."""
    kind = (spec or {}).get("kind", "local")
    if kind == "local":
        return LocalStore(Path(spec.get("dir") or home / "artifacts"))
    if kind == "s3":
        store = S3Store(spec["bucket"], spec.get("endpoint"), spec.get("region", "us-east-1"), spec.get("prefix", ""))
        store.ensure_bucket()
        return store
    raise ValueError(f"store kind {kind!r}: use local or s3")
