"""Token level: image placeholders expand to the image's token count, and neither they nor the prompt are labels."""
from __future__ import annotations

from tests.vl.shapes import draw

IGNORE = -100


def _row(tmp_path, sizes):
    import random

    from swift_cli.engine.vl.rows import to_vl_row

    rng = random.Random(0)
    names = []
    for i, size in enumerate(sizes):
        img, _, _ = draw(rng, size=size)
        img.save(tmp_path / f"{i}.png")
        names.append(f"{i}.png")
    data = {"messages": [{"role": "user", "content": "<image>What colour?"},
                         {"role": "assistant", "content": "red"},
                         {"role": "user", "content": "And this one <image>"},
                         {"role": "assistant", "content": "blue"}],
            "images": names}
    return to_vl_row(f"{tmp_path / 'data.jsonl'}:1", data)


def test_image_tokens_and_prompt_are_masked(tiny_vl_model, tmp_path):
    from swift_cli.engine.vl.encode import encode_row
    from swift_cli.engine.vl.processor import VLProcessor

    (tmp_path / "data.jsonl").write_text("")
    row = _row(tmp_path, [112, 56])
    proc = VLProcessor(tiny_vl_model)
    enc, n_img = encode_row(proc, row)
    tok = proc.tokenizer
    pad = proc.image_token_id
    # 112x112 -> 8x8 patches -> 16 tokens; 56x56 -> 4x4 -> 4 tokens (2x2 merge)
    assert n_img == 20 and enc.input_ids.count(pad) == 20
    start, end = tok.convert_tokens_to_ids("<|vision_start|>"), tok.convert_tokens_to_ids("<|vision_end|>")
    s1 = enc.input_ids.index(start)
    assert enc.input_ids[s1 + 1:s1 + 17] == [pad] * 16 and enc.input_ids[s1 + 17] == end
    assert all(lab == IGNORE for t, lab in zip(enc.input_ids, enc.labels) if t == pad)
    labelled = tok.decode([lab for lab in enc.labels if lab != IGNORE])
    assert labelled == "red<|im_end|>\nblue<|im_end|>\n"
    first = next(i for i, lab in enumerate(enc.labels) if lab != IGNORE)
    assert "What colour?" in tok.decode(enc.input_ids[:first]) and enc.input_ids.index(pad) < first


def test_max_pixels_bounds_tokens_and_truncation_never_cuts_images(tiny_vl_model, tmp_path, monkeypatch):
    from swift_cli.engine.vl.data import fit
    from swift_cli.engine.vl.encode import encode_row
    from swift_cli.engine.vl.processor import VLProcessor

    (tmp_path / "data.jsonl").write_text("")
    row = _row(tmp_path, [112, 112])
    monkeypatch.setenv("MAX_PIXELS", str(56 * 56))
    small = VLProcessor(tiny_vl_model)
    assert encode_row(small, row)[1] == 8
    assert encode_row(VLProcessor(tiny_vl_model, max_pixels=112 * 112), row)[1] == 32  # the flag beats the env
    enc, _ = encode_row(small, row)
    n = len(enc.input_ids)
    assert fit(enc, n - 3, "right", small.image_token_id) is not None  # the cut end holds no image
    first = enc.input_ids.index(small.image_token_id)
    assert fit(enc, n - first, "left", small.image_token_id) is not None  # keeps the end, from the first image on
    assert fit(enc, n - first - 1, "left", small.image_token_id) is None  # one more would cut the first image
    assert fit(enc, n - 3, "delete", small.image_token_id) is None


def test_openai_content_parts_become_tags(tmp_path):
    import random

    from swift_cli.engine.vl.rows import to_vl_row

    (tmp_path / "d.jsonl").write_text("")

    draw(random.Random(0))[0].save(tmp_path / "a.png")
    row = to_vl_row(f"{tmp_path / 'd.jsonl'}:3", {"messages": [
        {"role": "user", "content": [{"type": "text", "text": "Look: "},
                                     {"type": "image_url", "image_url": {"url": "a.png"}}]},
        {"role": "assistant", "content": "a shape"}]})
    assert row.messages[0]["content"] == "Look: <image>" and row.images == [str(tmp_path / "a.png")]


def test_registry_image_struct_rows_map_to_vl_rows(tmp_path):
    """A hub parquet row ({"image": {"bytes", "path"}, "text": ...}) through latex-ocr's column map (no network:
    the row is built here as the parquet reader returns it)."""
    import io
    import random

    from swift_cli.engine.vl.rows import to_vl_row
    from swift_cli.registry.datasets import find_dataset, map_row

    buf = io.BytesIO()
    draw(random.Random(2), size=56)[0].save(buf, format="PNG")
    row = map_row(find_dataset("latex-ocr"), {"image": {"bytes": buf.getvalue(), "path": None}, "text": "x^2"})
    vl = to_vl_row("latex-ocr#1", row)
    assert vl.messages[-1] == {"role": "assistant", "content": "x^2"} and vl.messages[0]["content"].startswith("<image>")
    assert vl.images[0].startswith("data:image;base64,") and vl.sizes == [(56, 56)]


def test_lora_targets_and_freezing_follow_the_freeze_flags(tiny_vl_model):
    """LoRA's all-linear: the language model by default; the vision tower / aligner only when unfrozen."""
    import re
    from types import SimpleNamespace

    import torch

    from swift_cli.engine.vl.processor import QWEN_VL
    from swift_cli.engine.vl.train import (
        freeze,
        load_vl_model,
        lora_target_regex,
        trainable_parts,
    )

    model = load_vl_model(tiny_vl_model, torch.float32, "cpu")
    names = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]

    def targets(vit, aligner):
        parts = trainable_parts(QWEN_VL, SimpleNamespace(freeze_llm=False, freeze_vit=vit, freeze_aligner=aligner))
        rx = re.compile(lora_target_regex(model, QWEN_VL, parts))
        return {n.split(".")[1] + ("/merger" if "merger" in n else "") for n in names if rx.match(n)}

    assert targets(True, True) == {"language_model"}
    assert targets(False, True) == {"language_model", "visual"}
    assert targets(True, False) == {"language_model", "visual/merger"}
    freeze(model, QWEN_VL, ["llm"])  # full fine-tuning with the defaults: the tower and merger stop learning
    trainable = {n.split(".")[1] if n.startswith("model.") else n.split(".")[0]
                 for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"language_model", "lm_head"}
