"""Chat through our own OpenAI server: a `swift deploy` subprocess on a free loopback port per model (+ adapters),
started on first use and streamed from with httpx. The UI process never loads a model itself."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import AsyncIterator

ADAPTER_NAME = "trained"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """Linux: the model server gets SIGTERM when the UI process dies, however it dies (no orphaned servers)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class ChatError(RuntimeError):
    """The model server could not start or answer (one line)."""


IMAGE_DATA_URL = re.compile(r"data:image/(png|jpeg|gif|webp|bmp);base64,[A-Za-z0-9+/=\s]+")
MAX_IMAGE_CHARS = 8 * 2**20       # an 8 MiB data URL (≈ 6 MiB image): larger ones are refused in one line


def _part(part, i: int) -> dict:
    """One content part the page may send: text, or an image as a data URL (the browser read the file; the UI
    never passes a URL or path for the model server to open)."""
    if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
        return {"type": "text", "text": part["text"]}
    url = (part.get("image_url") or {}).get("url") if isinstance(part, dict) and part.get("type") == "image_url" \
        else None
    if not isinstance(url, str) or not IMAGE_DATA_URL.fullmatch(url):
        raise ChatError(f"messages[{i}]: an image must be a png/jpeg/gif/webp/bmp file (sent as a data URL)")
    if len(url) > MAX_IMAGE_CHARS:
        raise ChatError(f"messages[{i}]: the image is over {MAX_IMAGE_CHARS // 2**20} MiB as a data URL")
    return {"type": "image_url", "image_url": {"url": url}}


def chat_messages(body: dict) -> list[dict]:
    """The page's conversation as OpenAI messages: text content, or content parts (text + image_url, for a
    vision-language model: our deploy server turns them into pixels); the page's system prompt first."""
    out = []
    for i, m in enumerate(body.get("messages") or []):
        if not (isinstance(m, dict) and m.get("role") in ("system", "user", "assistant")):
            continue
        content = m.get("content")
        if isinstance(content, list) and m["role"] == "user":
            out.append({"role": "user", "content": [_part(p, i) for p in content]})
        elif isinstance(content, str):
            out.append({"role": m["role"], "content": content})
    if body.get("system"):
        out = [{"role": "system", "content": str(body["system"])}, *out]
    return out


class ChatServer:
    """One `swift deploy --model M [--adapters trained=CKPT]` on 127.0.0.1."""

    def __init__(self, model: str | None, adapter: str | None, log_dir: Path, python: str | None = None):
        self.model, self.adapter = model, adapter
        self.port = free_port()
        self.log = log_dir / f"deploy-{self.port}.log"
        argv = ["deploy", "--host", "127.0.0.1", "--port", str(self.port), "--log_requests", "false"]
        if model:
            argv += ["--model", model]
        if adapter:
            argv += ["--adapters", f"{ADAPTER_NAME}={adapter}"]
        log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as fh:
            env = {k: v for k, v in os.environ.items() if k not in ("YICHUI_API_KEY",)}
            self.proc = subprocess.Popen([python or sys.executable, "-m", "swift_cli", *argv], stdout=fh,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                         preexec_fn=_die_with_parent)
        self.name: str | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 240.0) -> str:
        """Block until /v1/models answers; the served name to chat with (the adapter's where there is one)."""
        import httpx

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                tail = self.log.read_text(errors="replace").strip().splitlines()[-1:] if self.log.is_file() else []
                raise ChatError(f"the model server exited ({tail[0] if tail else self.proc.returncode})")
            try:
                models = httpx.get(f"{self.base}/v1/models", timeout=2).json()["data"]
                ids = [m["id"] for m in models]
                self.name = ADAPTER_NAME if ADAPTER_NAME in ids else ids[0]
                return self.name
            except (httpx.HTTPError, KeyError, ValueError, IndexError):
                time.sleep(0.5)
        raise ChatError(f"the model server did not answer within {timeout:.0f} s (log: {self.log})")

    async def stream(self, messages: list[dict], temperature: float, max_tokens: int) -> AsyncIterator[str]:
        """The answer's text pieces as the server streams them."""
        import httpx

        body = {"model": self.name, "messages": messages, "stream": True, "temperature": temperature,
                "max_tokens": max_tokens}
        async with httpx.AsyncClient(timeout=httpx.Timeout(300, connect=5)) as client:
            async with client.stream("POST", f"{self.base}/v1/chat/completions", json=body) as resp:
                if resp.status_code != 200:
                    text = (await resp.aread()).decode(errors="replace")
                    raise ChatError(f"model server answered {resp.status_code}: {text[:200]}")
                async for line in resp.aiter_lines():
                    if not line.startswith("data:") or line.strip() == "data: [DONE]":
                        continue
                    choices = json.loads(line[5:]).get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content")
                    if piece:
                        yield piece

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class RemoteChat(ChatServer):
    """An OpenAI-compatible server already running (ms-swift's `swift app --base_url URL`): nothing is started;
    the chat names --model where the server lists it, else the server's first model."""

    def __init__(self, base_url: str, model: str | None):
        self.model, self.adapter, self.proc, self.name = model, None, None, None
        self.url = base_url.rstrip("/").removesuffix("/v1")
        self.log = Path(os.devnull)

    @property
    def base(self) -> str:
        return self.url

    def wait_ready(self, timeout: float = 30.0) -> str:
        import httpx

        try:
            ids = [m["id"] for m in httpx.get(f"{self.base}/v1/models", timeout=timeout).json()["data"]]
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise ChatError(f"--base_url {self.url}: no OpenAI server answers /v1/models ({exc})") from None
        if not ids:
            raise ChatError(f"--base_url {self.url}: the server lists no model")
        self.name = self.model if self.model in ids else ids[0]
        return self.name

    def close(self) -> None:
        pass


class ChatServers:
    """At most one model server at a time (a new model stops the previous one: memory stays bounded); with a
    base_url, the one remote server instead."""

    def __init__(self, log_dir: Path, python: str | None = None, base_url: str | None = None):
        self.log_dir, self.python = log_dir, python
        self.current: ChatServer | None = None
        self.lock = threading.Lock()
        self.base_url = base_url

    def get(self, model: str | None, adapter: str | None) -> ChatServer:
        if self.base_url:
            with self.lock:
                if self.current is None:
                    self.current = RemoteChat(self.base_url, model)
            if self.current.name is None:
                self.current.wait_ready()
            return self.current
        with self.lock:
            cur = self.current
            if cur is None or (cur.model, cur.adapter) != (model, adapter) or cur.proc.poll() is not None:
                if cur is not None:
                    cur.close()
                cur = self.current = ChatServer(model, adapter, self.log_dir, self.python)
        if cur.name is None:
            cur.wait_ready()
        return cur

    def close(self) -> None:
        with self.lock:
            if self.current is not None:
                self.current.close()
                self.current = None
