"""`swift validate-dataset` for image-text files: every bad row with its line and problem (tags vs images, missing
or unreadable images, image tokens that --max_length would cut; the last needs --model for the tokenizer and
image processor)."""
from __future__ import annotations

from pathlib import Path

from swift_cli.engine.data.sources import load_rows
from swift_cli.engine.vl.rows import has_images


def is_vl_dataset(spec: str) -> bool:
    """Whether any row of a dataset names images (then the image-text checks apply)."""
    try:
        rows = load_rows(spec, model_name=[], model_author=[], seed=0, problems=[])
    except Exception:  # noqa: BLE001 - unreadable files are reported by the text checks
        return False
    return any(has_images(r.data) for r in rows)


def check_vl(spec: str, model: str | None, max_length: int, max_pixels: int | None) -> tuple[int, list[str]]:
    """(good rows, one `where: problem` line per bad row)."""
    from swift_cli.engine.vl.data import collect_vl, length_problem

    rows, problems = collect_vl([spec], seed=0)
    if model is None:
        return len(rows), problems
    from swift_cli.engine import models
    from swift_cli.engine.vl.encode import encode_row
    from swift_cli.engine.vl.processor import VLProcessor, is_vl_model

    model_dir = models.resolve_model_dir(model)
    if not is_vl_model(Path(model_dir)):
        from swift_cli.errors import UsageError

        raise UsageError(f"--model {model}: not a vision-language model, but {spec} has image rows")
    proc = VLProcessor(model_dir, max_pixels=max_pixels)
    good = 0
    for row in rows:
        enc, n_img = encode_row(proc, row)
        line = length_problem(len(enc.input_ids), n_img, max_length)
        if line:
            problems.append(f"{row.where}: {line}")
        else:
            good += 1
    return good, problems
