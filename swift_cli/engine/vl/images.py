"""Image references as users write them, resolved and opened: paths (relative to the dataset file or absolute),
http(s) URLs (fetched with retries into a local cache) and base64 data URIs.

Every failure is an ImageError carrying one line that says which image and why, so the data checks can name
the row. Pillow is the only heavy import, and only when an image is opened.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import time
from pathlib import Path

URL_PREFIXES = ("http://", "https://")
FETCH_ATTEMPTS = 3


class ImageError(ValueError):
    """Why one image cannot be used (the caller adds the row's location)."""


def cache_root() -> Path:
    """Downloaded images live beside the project's other caches ($YICHUI_HOME, default ~/.yichui)."""
    return Path(os.environ.get("YICHUI_HOME", "~/.yichui")).expanduser() / "cache" / "images"


def fetch_url(url: str, timeout: float = 20.0) -> Path:
    """Download `url` once (cached by its hash), retrying transient failures with backoff, as hub downloads do."""
    import urllib.error
    import urllib.request

    target = cache_root() / hashlib.sha256(url.encode()).hexdigest()[:32]
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    last = ""
    for attempt in range(FETCH_ATTEMPTS):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "yichui"}),
                                        timeout=timeout) as resp:
                data = resp.read()
            tmp = target.with_suffix(f".part{os.getpid()}")
            tmp.write_bytes(data)
            tmp.replace(target)
            return target
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:  # the server said no: retrying will not help
                break
        except (urllib.error.URLError, OSError) as exc:
            last = str(getattr(exc, "reason", exc))
        time.sleep(0.5 * 2 ** attempt)
    raise ImageError(f"cannot download {_short(url)} ({last})")


def _short(ref: str) -> str:
    return ref if len(ref) <= 80 else ref[:60] + "..." + ref[-12:]


def resolve(ref, base_dir: Path | None) -> str:
    """A reference the loader can open without the network: a local path (str) or a data URI.

    URLs are downloaded here (so training steps never wait on the network); relative paths are taken from the
    dataset file's folder, as ms-swift does.
    """
    if isinstance(ref, dict):  # {"path": ...} / {"url": ...} / {"bytes": ...} as datasets and OpenAI write them
        ref = ref.get("path") or ref.get("url") or ref.get("image_url") or ref.get("bytes")
        if isinstance(ref, dict):
            ref = ref.get("url")
    if isinstance(ref, bytes):
        return "data:image;base64," + base64.b64encode(ref).decode()
    if not isinstance(ref, str) or not ref.strip():
        raise ImageError(f"an image must be a path, URL or data URI, got {type(ref).__name__}")
    if ref.startswith("data:"):
        return ref
    if ref.startswith(URL_PREFIXES):
        return str(fetch_url(ref))
    path = Path(ref).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        raise ImageError(f"image {_short(ref)}: no such file")
    return str(path)


def open_image(ref: str):
    """A PIL RGB image from a resolved reference; ImageError when it cannot be decoded."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        if ref.startswith("data:"):
            head, _, payload = ref.partition(",")
            if ";base64" not in head:
                raise ImageError("a data URI image must be base64-encoded")
            source = io.BytesIO(base64.b64decode(payload, validate=False))
        else:
            source = ref
        with Image.open(source) as img:
            img.load()
            return img.convert("RGB")
    except (UnidentifiedImageError, binascii.Error, OSError, ValueError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"image {_short(ref)}: unreadable ({type(exc).__name__})") from None


def image_size(ref: str) -> tuple[int, int]:
    """(height, width) without decoding the pixels (PIL reads only the header)."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        source = io.BytesIO(base64.b64decode(ref.partition(",")[2])) if ref.startswith("data:") else ref
        with Image.open(source) as img:
            img.verify()  # catches truncated/corrupt files early, before a training step does
            width, height = img.size
        return height, width
    except (UnidentifiedImageError, binascii.Error, OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"image {_short(ref)}: unreadable ({type(exc).__name__})") from None
