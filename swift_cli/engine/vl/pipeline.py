"""`swift sft` on a vision-language model: the image-text data path and the VL trainer, which the text pipeline
(engine/pipeline.py) takes in place of its own when the model is a VL one; every other step stays the text one's."""
from __future__ import annotations

from typing import Callable

from swift_cli.errors import UsageError


def prepare(cfg, task: str, loaded) -> tuple[object, Callable]:
    """The image-text rows (every bad row reported) and the factory of their trainer (run_dir → trainer); the
    loaded tokenizer becomes the processor's."""
    from swift_cli.engine.vl.data import prepare_vl
    from swift_cli.engine.vl.processor import VLProcessor
    from swift_cli.engine.vl.train import build_vl_trainer

    if task != "sft":
        raise UsageError(f"swift {task} on a vision-language model is not supported yet; use swift sft")
    if cfg.data.packing:
        raise UsageError("--packing true: image-text rows are not packed; drop --packing")
    from swift_cli.engine.vl.train import trainable_parts

    proc = VLProcessor(loaded.model_dir, cfg.model.template, cfg.vision.max_pixels)
    from swift_cli.engine.models import set_thinking

    set_thinking(proc.tokenizer, cfg.model.enable_thinking, quiet=True)  # its tokenizer renders the rows (load_base noted)
    if not trainable_parts(proc.family, cfg.vision) and not cfg.model.adapters:
        raise UsageError("--freeze_llm, --freeze_vit and --freeze_aligner are all true: nothing left to train")
    loaded.tokenizer = proc.tokenizer
    data = prepare_vl(cfg.data, proc, seed=cfg.train.seed, system=cfg.model.system, use_hf=cfg.model.use_hf)
    return data, lambda run_dir: build_vl_trainer(cfg, loaded, proc, data, run_dir)
