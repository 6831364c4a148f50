"""Sizes of an artifact and the record of its verification (verification.json, UNVERIFIED.txt)."""
from __future__ import annotations

import json
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
