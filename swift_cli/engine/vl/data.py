"""From `--dataset` values to encoded image-text rows, every bad row reported by location before any training.

Checked per row: `<image>` tags vs images, missing or unreadable images, and rows whose image tokens would be cut
by --max_length. Such a row is never truncated through its images (that is what makes other tools fail with an
image-token/feature mismatch at step N): with `delete` it is dropped like any long row; with `left`/`right` it is
dropped when the cut would reach an image token, and the note says how many.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from swift_cli.engine.data.build import Prepared, gather
from swift_cli.engine.data.encode import IGNORE
from swift_cli.engine.data.formats import RowError
from swift_cli.engine.data.sources import load_rows
from swift_cli.engine.vl.encode import EncodedVL, encode_row
from swift_cli.engine.vl.rows import VLRow, to_vl_row
from swift_cli.errors import RowsTooLong, UsageError


@dataclass
class PreparedVL(Prepared):
    """Prepared image-text rows (EncodedVL), plus the image tokens of each training row for the planner."""

    image_tokens: list[int] = field(default_factory=list)

    def length_stats(self) -> dict:
        return {**super().length_stats(), "max_image_tokens": max(self.image_tokens, default=0),
                "images": sum(len(e.images) for e in self.train)}


def collect_vl(specs: list[str], *, seed: int, system: str | None = None, use_hf: bool = False,
               model_name=(), model_author=()) -> tuple[list[VLRow], list[str]]:
    """Rows of every dataset as VLRows, and one `where: problem` line per bad row."""
    rows: list[VLRow] = []
    problems: list[str] = []
    for i, spec in enumerate(specs):
        for raw in load_rows(spec, model_name=list(model_name), model_author=list(model_author), seed=seed + i,
                             use_hf=use_hf, problems=problems):
            try:
                row = to_vl_row(raw.where, raw.data)
            except RowError as exc:
                problems.append(f"{raw.where}: {exc}")
                continue
            if system and row.messages[0]["role"] != "system":
                row.messages = [{"role": "system", "content": system}] + row.messages
            rows.append(row)
    return rows, problems


def fit(enc: EncodedVL, max_length: int, strategy: str, image_token_id: int) -> EncodedVL | None:
    """The truncation policy, never cutting through image tokens; None when the row must be dropped."""
    n = len(enc.input_ids)
    if n > max_length:
        if strategy == "delete":
            return None
        image_at = [i for i, t in enumerate(enc.input_ids) if t == image_token_id]
        keep = range(n - max_length, n) if strategy == "left" else range(max_length)
        if image_at and not (keep.start <= image_at[0] and image_at[-1] < keep.stop):
            return None
        enc = EncodedVL(enc.input_ids[keep.start:keep.stop], enc.labels[keep.start:keep.stop], enc.images)
    if all(t == IGNORE for t in enc.labels):
        return None
    return enc


def length_problem(n_tokens: int, n_image_tokens: int, max_length: int) -> str | None:
    """The validate-dataset line for a row over --max_length (None when it fits)."""
    if n_tokens <= max_length:
        return None
    what = f"; its {n_image_tokens} image tokens would be cut" if n_image_tokens else ""
    return f"{n_tokens} tokens > --max_length {max_length}{what} (raise --max_length or lower --max_pixels)"


def encode_all(proc, rows: list[VLRow], max_length: int, strategy: str):
    """(kept rows, image tokens per kept row, dropped count)."""
    kept, image_tokens, dropped = [], [], 0
    for row in rows:
        enc, n_img = encode_row(proc, row)
        out = fit(enc, max_length, strategy, proc.image_token_id)
        if out is None:
            dropped += 1
        else:
            kept.append(out)
            image_tokens.append(n_img)
    return kept, image_tokens, dropped


def prepare_vl(data, proc, *, seed: int, system: str | None, use_hf: bool) -> PreparedVL:
    """The whole data path of a VL training command; UsageError (every bad row listed) before any weights load."""
    if data.loss_scale != "default":
        raise UsageError(f"--loss_scale {data.loss_scale}: image-text rows train with the default loss scale "
                         "(every assistant answer) here; drop the flag for a VL model")
    if data.truncation_strategy == "split":
        raise UsageError("--truncation_strategy split: cutting image-text rows into pieces would part image tokens "
                         "from their image; use delete, left or right for a VL model")
    rows, val_rows = gather(data, seed, lambda specs: collect_vl(
        specs, seed=seed, system=system, use_hf=use_hf, model_name=data.model_name, model_author=data.model_author))
    train, image_tokens, dropped = encode_all(proc, rows, data.max_length, data.truncation_strategy)
    val, _, _ = encode_all(proc, val_rows, data.max_length, data.truncation_strategy)
    if not train:
        raise RowsTooLong(f"--max_length {data.max_length}: every row is longer, or would lose image tokens "
                          f"(--truncation_strategy {data.truncation_strategy}); lower --max_pixels or raise "
                          "--max_length")
    notes = []
    if dropped:
        notes.append(f"{dropped} of {len(rows)} rows dropped: longer than --max_length {data.max_length} or their "
                     f"image tokens would be cut (`swift validate-dataset --model M FILE` names them)")
    return PreparedVL(train, val, dropped, notes, image_tokens)
