"""Write a folder atomically: build it in a temp sibling, rename it into place only when complete."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


@contextlib.contextmanager
def staged(target: Path, exist_ok: bool):
    """Yield a temp folder beside `target`; on success it replaces `target`, on error it is removed.

    A reader never sees a half-written `target`: the old folder (if any) is swapped out in one rename.
    """
    target = Path(target).expanduser().absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        _mode_like_umask(tmp)
        if target.exists():
            if not exist_ok:  # appeared while we worked
                raise FileExistsError(f"{target} appeared while it was being written; rerun with --exist_ok true")
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
    """mkdtemp makes 0700 folders (and safetensors may write 0600 files): give them the usual umask modes."""
    mask = os.umask(0)
    os.umask(mask)
    directory.chmod(0o777 & ~mask)
    for child in directory.rglob("*"):
        child.chmod((0o777 if child.is_dir() else 0o666) & ~mask)
