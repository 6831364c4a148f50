"""Extra facts about a job that its front door or backend knows (machine, GPUs, price, channel, who asked),
kept as meta.json in the job's folder next to stdout.log: the jobs table stays as it is."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def meta_path(job_dir: str | Path) -> Path:
    return Path(job_dir) / "meta.json"


def read_meta(job_dir: str | Path) -> dict[str, Any]:
    path = meta_path(job_dir)
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except ValueError:
        return {}


def update_meta(job_dir: str | Path, **values: Any) -> dict[str, Any]:
    """Merge `values` into the job's meta.json (written whole, atomically)."""
    data = read_meta(job_dir) | values
    path = meta_path(job_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)
    return data
