"""Write an artifact folder atomically (temp sibling, rename when complete) and record its verification."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

VERIFICATION_FILE = "verification.json"
UNVERIFIED_FILE = "UNVERIFIED.txt"


def folder_size(path: Path) -> int:
    """Bytes of every file under `path` (a file's own size when it is one)."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def weights_size(path: Path) -> int:
    """Bytes of the weight files only (safetensors, bin, pt, gguf, onnx and their data files)."""
    exts = (".safetensors", ".bin", ".pt", ".gguf", ".onnx", ".data", ".pth")
    files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
    return sum(f.stat().st_size for f in files if f.name.endswith(exts) or f.name.endswith(".onnx_data"))


@contextlib.contextmanager
def staged(target: Path, exist_ok: bool):
    """Yield a temp folder beside `target`; on success it replaces `target`, on error it is removed."""
    target = target.expanduser().absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        _mode_like_umask(tmp)
        if target.exists():
            if not exist_ok:  # appeared while we worked
                raise FileExistsError(f"{target} appeared while exporting; rerun with --exist_ok true")
            trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, trash / target.name)
            os.replace(tmp, target)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _mode_like_umask(directory: Path) -> None:
    """mkdtemp makes 0700 folders: give the artifact the usual umask modes."""
    mask = os.umask(0)
    os.umask(mask)
    directory.chmod(0o777 & ~mask)
    for child in directory.rglob("*"):
        child.chmod((0o777 if child.is_dir() else 0o666) & ~mask)


def record(folder: Path, report: dict) -> Path:
    """Write verification.json (and UNVERIFIED.txt when it failed) into the artifact folder."""
    folder = Path(folder)
    path = folder / VERIFICATION_FILE
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    marker = folder / UNVERIFIED_FILE
    if report.get("verified") is False:
        marker.write_text("This artifact FAILED verification; do not ship it. Reasons:\n"
                          + "\n".join(f"- {r}" for r in report.get("problems", [])) + "\n", encoding="utf-8")
    elif marker.exists():
        marker.unlink()
    return path
