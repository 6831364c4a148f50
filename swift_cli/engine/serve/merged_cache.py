"""An adapter merged into its base once, cached by content hash, for servers that cannot load it as an adapter
(vLLM refuses LoRA adapters that also train whole modules: modules_to_save)."""
from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path

from swift_cli.engine.serve.gguf_cache import content_hash
from swift_cli.errors import UsageError


def merged_for(model_dir: Path, adapter: Path) -> Path:
    """The merged HF folder for base + adapter (`swift export --merge_lora true` the first time)."""
    from swift_cli.commands import export
    from swift_cli.mainjob import home

    target = home() / "merged" / content_hash([Path(model_dir), Path(adapter)], "merged")
    if (target / "config.json").is_file():
        print(f"note: serving the cached merge {target}", file=sys.stderr, flush=True)
        return target
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    print(f"note: merging {adapter} into {model_dir} once (cached in {target})", file=sys.stderr, flush=True)
    with contextlib.redirect_stdout(sys.stderr):
        rc = export.main(["--model", str(model_dir), "--adapters", str(adapter), "--merge_lora", "true",
                          "--output_dir", str(tmp)], prog="swift export (merge for serving)")
    if rc != 0 or not (tmp / "config.json").is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        raise UsageError(f"--adapters {adapter}: merging into the base failed (exit {rc}); serve with "
                         "--infer_backend pt")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target
