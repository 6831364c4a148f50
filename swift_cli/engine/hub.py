"""Download models and datasets from ModelScope (default) or Hugging Face, with a rich progress bar and
verification of every file against the hub's advertised size and hash.

Both clients resume on their own inside one call: huggingface_hub re-requests a cut file with a
`Range` header, modelscope keeps its partial files and continues them. Files completed by an
earlier run are found in the cache and skipped. On top of that we check each Hugging Face file:
size, sha256 for LFS files, the git blob sha1 for small ones (modelscope checks sha256 itself).
A corrupt file is removed so the next run fetches it again. Tokens come from --hub_token or
HF_TOKEN / MODELSCOPE_API_TOKEN and are passed to the client only: never printed or written.
"""
from __future__ import annotations

import hashlib
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from swift_cli.errors import FetchError

HUB_NAMES = {True: "Hugging Face", False: "ModelScope"}


@dataclass(frozen=True)
class Request:
    """What to fetch and where from."""

    repo_id: str
    repo_type: str = "model"            # model | dataset
    use_hf: bool = False
    revision: str | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    local_dir: str | None = None
    token: str | None = None
    verify: bool = True


@dataclass(frozen=True)
class RemoteFile:
    """One file as the hub lists it."""

    path: str
    size: int
    sha256: str | None = None           # LFS files
    git_sha1: str | None = None         # git blob id (non-LFS files)


@dataclass
class Result:
    path: Path
    files: list[RemoteFile]
    bytes_total: int
    verified: int = 0


def cache_dir(use_hf: bool) -> str:
    """Where the chosen hub's client keeps its cache (honours HF_HOME/HF_HUB_CACHE, MODELSCOPE_CACHE)."""
    if use_hf:
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)
    from modelscope.utils.file_utils import get_modelscope_cache_dir

    return get_modelscope_cache_dir()


def token_for(req: Request) -> str | None:
    """--hub_token, else the hub's environment variable (never logged)."""
    env = "HF_TOKEN" if req.use_hf else "MODELSCOPE_API_TOKEN"
    return req.token or os.environ.get(env) or None


def _fail(req: Request, why: str) -> FetchError:
    what = "dataset" if req.repo_type == "dataset" else "model"
    rev = f" at revision {req.revision}" if req.revision else ""
    return FetchError(f"cannot download {what} {req.repo_id!r}{rev} from {HUB_NAMES[req.use_hf]} ({why}); "
                      f"cache dir: {cache_dir(req.use_hf)}")


def _reason(exc: BaseException) -> str:
    """A short, token-free reason for a hub failure."""
    name = type(exc).__name__
    if name in ("RepositoryNotFoundError", "NotExistError") or "404" in str(exc)[:200]:
        return "no such repository, or it is private/gated: check the id and the token"
    if name == "RevisionNotFoundError":
        return "no such revision"
    if name in ("GatedRepoError",) or "401" in str(exc)[:200] or "403" in str(exc)[:200]:
        return "access denied: accept the license on the hub and pass a token"
    return f"offline or hub unreachable: {name}"


def endpoint(use_hf: bool) -> str:
    """The hub's base URL as the client will use it (HF_ENDPOINT / MODELSCOPE_DOMAIN honoured)."""
    if use_hf:
        from huggingface_hub import constants

        return constants.ENDPOINT
    if os.environ.get("MODELSCOPE_ENDPOINT"):   # modelscope_hub: MODELSCOPE_ENDPOINT > MODELSCOPE_DOMAIN > default
        return os.environ["MODELSCOPE_ENDPOINT"].rstrip("/")
    from modelscope.hub.utils.utils import get_endpoint

    return get_endpoint()


def reachable(url: str, timeout: float = 5.0) -> bool:
    """Whether a TCP connection to the endpoint's host opens (fails fast instead of the clients' retries)."""
    import socket
    from urllib.parse import urlparse

    parts = urlparse(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def answers(url: str) -> bool:
    """False when the hub's host refuses a direct connection; behind a proxy a direct connect says nothing, so
    True (the client will try)."""
    proxied = any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"))
    return proxied or reachable(url)


def _quiet_clients(use_hf: bool) -> None:
    """The clients' retry/resume warnings would break the one-line contract; YICHUI_DEBUG=1 keeps them."""
    import logging

    if os.environ.get("YICHUI_DEBUG", "") not in ("", "0", "false"):
        return
    if use_hf:   # each client sets its logger's level when first used; ours must come after
        from huggingface_hub.utils import logging as hf_logging

        hf_logging.get_logger()
    else:
        import modelscope_hub.api  # noqa: F401
    for name in ("huggingface_hub", "modelscope", "modelscope_hub"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _cached_only(req: Request) -> str | None:
    """The snapshot already in the cache / local_dir, when the hub cannot be reached."""
    try:
        if req.use_hf:
            from huggingface_hub import snapshot_download

            return snapshot_download(req.repo_id, repo_type=req.repo_type, revision=req.revision,
                                     allow_patterns=req.include or None, ignore_patterns=req.exclude or None,
                                     local_dir=req.local_dir, local_files_only=True)
        from modelscope.hub.snapshot_download import snapshot_download

        return snapshot_download(repo_id=req.repo_id, repo_type=req.repo_type, revision=req.revision,
                                 local_dir=req.local_dir, local_files_only=True)
    except Exception:  # noqa: BLE001 - nothing cached
        return None


def download(req: Request, show_progress: bool = True) -> Result:
    """Fetch `req` into the hub cache (or --local_dir); verify it; one-line FetchError on any failure."""
    _quiet_clients(req.use_hf)
    url = endpoint(req.use_hf)
    if not answers(url):
        cached = _cached_only(req)
        if cached:
            print(f"note: {url} is unreachable; using the cached copy (not re-verified)", file=sys.stderr)
            return Result(Path(cached), [], 0)
        raise _fail(req, f"offline or hub unreachable: cannot connect to {url}")
    try:
        files = _list_hf(req) if req.use_hf else _list_ms(req)
    except Exception as exc:  # noqa: BLE001 - listing fails first for an unknown id / no access
        raise _fail(req, _reason(exc)) from None
    total = sum(f.size for f in files)
    watch = _watch_root(req)
    try:
        with _Progress(req, total, watch, show_progress):
            path = _snapshot_hf(req) if req.use_hf else _snapshot_ms(req)
    except FetchError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _corrupt_or_fail(req, exc) from None
    result = Result(Path(path), files, total)
    if req.verify and files:
        result.verified = verify(result.path, files, req)
    return result


# --- Hugging Face -----------------------------------------------------------------------------------------

def _list_hf(req: Request) -> list[RemoteFile]:
    """The files the snapshot will contain (after --include/--exclude), with their sizes and hashes."""
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import filter_repo_objects

    api = HfApi(token=token_for(req))
    entries = [e for e in api.list_repo_tree(req.repo_id, recursive=True, revision=req.revision,
                                             repo_type=req.repo_type) if isinstance(e, RepoFile)]
    keep = set(filter_repo_objects([e.path for e in entries], allow_patterns=req.include or None,
                                   ignore_patterns=req.exclude or None))
    return [RemoteFile(e.path, e.lfs.size if e.lfs else e.size, e.lfs.sha256 if e.lfs else None,
                       None if e.lfs else e.blob_id) for e in entries if e.path in keep]


def _snapshot_hf(req: Request) -> str:
    from huggingface_hub import snapshot_download

    return snapshot_download(req.repo_id, repo_type=req.repo_type, revision=req.revision,
                             allow_patterns=req.include or None, ignore_patterns=req.exclude or None,
                             local_dir=req.local_dir, token=token_for(req))


# --- ModelScope -------------------------------------------------------------------------------------------

def _list_ms(req: Request) -> list[RemoteFile]:
    """ModelScope's listing (path, size, sha256) after --include/--exclude."""
    from huggingface_hub.utils import filter_repo_objects
    from modelscope_hub.api import HubApi

    entries = [f for f in HubApi(token=token_for(req)).list_repo_files(req.repo_id, req.repo_type,
                                                                      revision=req.revision)
               if getattr(f, "type", "blob") != "tree"]
    keep = set(filter_repo_objects([f.path for f in entries], allow_patterns=req.include or None,
                                   ignore_patterns=req.exclude or None))
    return [RemoteFile(f.path, int(f.size or 0), getattr(f, "sha256", None)) for f in entries if f.path in keep]


def _quiet_ms_bars() -> None:
    """modelscope_hub draws tqdm bars per file; ours replaces them (YICHUI_DEBUG=1 keeps them)."""
    if os.environ.get("YICHUI_DEBUG", "") not in ("", "0", "false"):
        return
    import functools

    import modelscope_hub._download as ms_download

    bar = getattr(ms_download, "tqdm", None)
    if bar is not None and not isinstance(bar, functools.partial):
        ms_download.tqdm = functools.partial(bar, disable=True)


def _corrupt_or_fail(req: Request, exc: BaseException) -> FetchError:
    """modelscope checks sha256 itself and reports failed files together: name the corrupt one."""
    failed = getattr(exc, "failed_files", None) or {}
    for path, err in failed.items():
        text = f"{type(err).__name__}: {err}"
        if any(w in text.lower() for w in ("sha256", "integrity", "hash", "checksum")):
            return FetchError(f"corrupt download from {HUB_NAMES[req.use_hf]} {req.repo_id}: {path}: sha256 does not "
                              "match the hub's listing (after the client's retries); run the command again")
    if failed:
        path, err = next(iter(failed.items()))
        return _fail(req, f"{len(failed)} file(s) failed, first {path}: {_reason(err)}")
    return _fail(req, _reason(exc))


def _snapshot_ms(req: Request) -> str:
    from modelscope.hub.snapshot_download import snapshot_download

    _quiet_ms_bars()
    # The token goes to this call only; HubApi().login() would write it to ~/.modelscope/credentials.
    return snapshot_download(repo_id=req.repo_id, repo_type=req.repo_type, revision=req.revision,
                             allow_patterns=req.include or None, ignore_patterns=req.exclude or None,
                             local_dir=req.local_dir, token=token_for(req))


# --- verification -----------------------------------------------------------------------------------------

def _git_blob_sha1(path: Path) -> str:
    h = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(root: Path, files: list[RemoteFile], req: Request) -> int:
    """Check every file's size and hash; remove a bad one (its cache blob too) and raise FetchError."""
    for f in files:
        local = root / f.path
        if not local.is_file():
            raise _fail(req, f"{f.path} is missing after download")
        size = local.stat().st_size
        problem = None
        if size != f.size:
            problem = f"{f.path}: size {size} bytes, the hub says {f.size}"
        elif f.sha256 and (got := _sha256(local)) != f.sha256:
            problem = f"{f.path}: sha256 {got[:12]}… does not match the hub's {f.sha256[:12]}…"
        elif f.git_sha1 and (got := _git_blob_sha1(local)) != f.git_sha1:
            problem = f"{f.path}: git sha1 {got[:12]}… does not match the hub's {f.git_sha1[:12]}…"
        if problem:
            blob = local.resolve()
            local.unlink(missing_ok=True)
            if blob != local:
                blob.unlink(missing_ok=True)   # the cache blob, so the next run fetches it again
            raise FetchError(f"corrupt download from {HUB_NAMES[req.use_hf]} {req.repo_id}: {problem}; "
                             "the bad copy was removed, run the command again to re-fetch it")
    return len(files)


# --- progress ---------------------------------------------------------------------------------------------

def _watch_root(req: Request) -> Path:
    """The folder whose growth measures the download (partial files included)."""
    if req.local_dir:
        return Path(req.local_dir)
    base = Path(cache_dir(req.use_hf))
    if req.use_hf:
        return base / f"{req.repo_type}s--{req.repo_id.replace('/', '--')}"
    return base


def _bytes_under(root: Path) -> int:
    total = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                try:
                    total += os.path.getsize(p)
                except OSError:
                    pass
    return total


class _Progress:
    """A rich bar fed by how much the destination folder has grown (works for both clients' partial files)."""

    def __init__(self, req: Request, total: int, root: Path, enabled: bool):
        self.req, self.total, self.root, self.enabled = req, total, root, enabled
        self._stop = threading.Event()

    def __enter__(self):
        if not self.enabled:
            return self
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, \
            TransferSpeedColumn

        self.start_bytes = _bytes_under(self.root) if self.root.exists() else 0
        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                            TransferSpeedColumn(), TimeRemainingColumn(), transient=False)
        self.task = self.bar.add_task(f"{HUB_NAMES[self.req.use_hf]} {self.req.repo_id}", total=self.total or None)
        self.bar.start()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def _poll(self):
        while not self._stop.wait(0.25):
            self._update()

    def _update(self):
        grown = max(0, _bytes_under(self.root) - self.start_bytes) if self.root.exists() else 0
        self.bar.update(self.task, completed=min(grown, self.total) if self.total else grown)

    def __exit__(self, exc_type, exc, tb):
        if not self.enabled:
            return False
        self._stop.set()
        self.thread.join()
        if exc_type is None and self.total:
            self.bar.update(self.task, completed=self.total)
        self.bar.stop()
        return False
