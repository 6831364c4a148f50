"""The GGUF that `--infer_backend llamacpp` runs: a .gguf given as --model, or a HF folder (+ one adapter) converted
once through our own verified export (`swift export --to gguf`) and cached under $YICHUI_HOME/gguf/<content hash>.

The hash covers every file's bytes of the model folder and the adapter, and the GGUF type, so a retrained adapter
or a changed weight converts again while the same inputs reuse the file (the conversion is the slow part).
The conversion's check runs SERVE_CHECK_PROMPTS of the export's fixed prompts, not the 20 of `swift export --to gguf`
(the check, transformers and llama.cpp each answering every prompt, was most of a first start); the note says how
many were checked, from the verification.json kept beside the GGUF.

A conversion that fails is recorded once, in <content hash>.failed beside the cache folder (the exit code and the
last error line): the same inputs are not converted again on the next run (a failing conversion costs the model's
load, the write and the check every time). The automatic choice then stays on pt with a note naming the marker,
and an explicit --infer_backend llamacpp is refused in one line; deleting the marker retries.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

from swift_cli.errors import Interrupted, OutOfMemory, SwiftError, UsageError

SERVE_CHECK_PROMPTS = 4  # fixed prompts the automatic conversion checks (swift export checks 20)


def checked_note(gguf: Path) -> str:
    """What the conversion's check found, from its verification.json: the number of prompts included."""
    record = gguf.parent / "verification.json"
    try:
        rep = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "its check is not recorded"
    if rep.get("verified") is None:
        return "not checked"
    ppl = f", held-out ppl ratio {rep['ppl_ratio']}" if "ppl_ratio" in rep else ""
    return (f"checked against the source on {rep.get('prompts')} fixed prompts: greedy identical "
            f"{rep.get('greedy_identical')}/{rep.get('prompts')}{ppl}; swift export --to gguf checks 20")


def content_hash(folders: list[Path], gguf_type: str) -> str:
    h = hashlib.sha256(gguf_type.encode())
    for folder in folders:
        for f in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(str(f.relative_to(folder)).encode() + b"\0")
            with f.open("rb") as fh:
                while chunk := fh.read(1 << 22):
                    h.update(chunk)
    return h.hexdigest()[:20]


def gguf_type_for(torch_dtype: str) -> str:
    """f32 when fp32 was asked (exact parity with the pt backend); otherwise q8_0 (fast, near-lossless)."""
    return "f32" if torch_dtype in ("float32", "fp32") else "q8_0"


def gguf_for(model_args) -> Path:
    """The GGUF file to load for these --model/--adapters, converting (once) when needed."""
    from swift_cli.engine import models
    from swift_cli.engine.generate import resolve_for_inference
    from swift_cli.mainjob import home

    model, _, _, dtype = resolve_for_inference(model_args)
    adapters = models.parse_adapters(model_args.adapters)
    path = Path(str(model))
    if path.suffix.lower() == ".gguf":
        if adapters:
            raise UsageError("--adapters: a .gguf --model is served as it is; give the HF folder with the adapter "
                             "(it is merged and converted once) or merge first with swift export")
        if not path.is_file():
            raise UsageError(f"--model {model}: no such GGUF file")
        return path
    if not path.is_dir():
        raise UsageError(f"--model {model}: --infer_backend llamacpp needs a .gguf file or a local HF folder "
                         f"(download it first: swift download --model {model})")
    if len(adapters) > 1:
        raise UsageError("--adapters: --infer_backend llamacpp merges one adapter into the GGUF; serve several "
                         "with --infer_backend pt")
    gtype = gguf_type_for(str(dtype))
    adapter = next((str(a) for a in adapters.values()), None)
    folders = [path] + ([Path(adapter)] if adapter else [])
    target = home() / "gguf" / content_hash(folders, gtype)
    found = sorted(target.glob("*.gguf")) if target.is_dir() else []
    if found:
        print(f"note: llama.cpp runs the cached GGUF {found[0]} ({checked_note(found[0])})", file=sys.stderr,
              flush=True)
        return found[0]
    earlier = failed_before(target)
    if earlier is not None:
        raise UsageError(f"--model {model}: its GGUF conversion for llama.cpp failed before ({earlier}); recorded in "
                         f"{failure_marker(target)}: delete it to convert again, or use --infer_backend pt")
    return _convert(path, adapter, gtype, target)


def failure_marker(target: Path) -> Path:
    """Where a failed conversion of these inputs is recorded: <content hash>.failed beside the cache folder."""
    return target.with_name(target.name + ".failed")


def failed_before(target: Path) -> str | None:
    """'exit N: last error line' when converting these inputs failed before, else None."""
    try:
        rec = json.loads(failure_marker(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict):  # something else wrote it: not ours to trust
        return None
    return f"exit {rec.get('exit')}: {rec.get('error')}"


def _record_failure(target: Path, code: int, error: str) -> Path:
    marker = failure_marker(target)
    line = next((x.strip() for x in reversed(error.splitlines()) if x.strip()), "no error line")
    marker.write_text(json.dumps({"exit": code, "error": line, "at": time.strftime("%Y-%m-%d %H:%M:%S")}) + "\n",
                      encoding="utf-8")
    return marker


def _convert(model: Path, adapter: str | None, gtype: str, target: Path) -> Path:
    from swift_cli.commands import export

    print(f"note: converting {model}{' + ' + adapter if adapter else ''} to GGUF ({gtype}) once for llama.cpp; "
          f"cached in {target}", file=sys.stderr, flush=True)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    argv = (["--adapters", adapter] if adapter else []) + ["--model", str(model), "--to", "gguf",
                                                            "--gguf_type", gtype, "--output_dir", str(tmp),
                                                            "--verify_prompts", str(SERVE_CHECK_PROMPTS)]
    cause = None
    try:
        with contextlib.redirect_stdout(sys.stderr):  # the export's report is not the answer `swift infer` prints
            rc = export.main(argv, prog="swift export (for --infer_backend llamacpp)")
        error = f"the export exited {rc}" if rc else "the export wrote no .gguf"
    except (Interrupted, OutOfMemory, KeyboardInterrupt):  # says nothing about these inputs: not recorded
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the conversion is recorded, then one line
        cause, rc = exc, getattr(exc, "exit_code", 1)
        error = str(exc) if isinstance(exc, SwiftError) else f"{type(exc).__name__}: {exc}"
    found = sorted(tmp.glob("*.gguf")) if rc == 0 else []
    if not found:
        shutil.rmtree(tmp, ignore_errors=True)
        marker = _record_failure(target, rc or 1, error)
        raise UsageError(f"--model {model}: the GGUF conversion failed ({failed_before(target)}); recorded in "
                         f"{marker}, so it is not tried again (delete it to retry); use --infer_backend pt") from cause
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    print(f"note: the GGUF was {checked_note(target / found[0].name)}", file=sys.stderr, flush=True)
    return target / found[0].name
