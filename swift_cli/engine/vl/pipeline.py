"""`swift sft` on a vision-language model: the text pipeline's steps (monitor, run folder, args.json, trainer.run)
with the image-text data path and the VL trainer in place of the text ones."""
from __future__ import annotations

import time

from swift_cli.errors import UsageError


def train_vl(cfg, task: str, loaded, monitor, deadline, start: float):
    from swift_cli.engine import pipeline, train
    from swift_cli.engine.planning import check_fit
    from swift_cli.engine.vl.data import prepare_vl
    from swift_cli.engine.vl.processor import VLProcessor
    from swift_cli.engine.vl.train import build_vl_trainer

    if task != "sft":
        raise UsageError(f"swift {task} on a vision-language model is not supported yet; use swift sft")
    if cfg.data.packing:
        raise UsageError("--packing true: image-text rows are not packed; drop --packing")
    from swift_cli.engine.vl.train import trainable_parts

    proc = VLProcessor(loaded.model_dir, cfg.model.template, cfg.vision.max_pixels)
    if not trainable_parts(proc.family, cfg.vision) and not cfg.model.adapters:
        raise UsageError("--freeze_llm, --freeze_vit and --freeze_aligner are all true: nothing left to train")
    loaded.tokenizer = proc.tokenizer
    data = prepare_vl(cfg.data, proc, seed=cfg.train.seed, system=cfg.model.system, use_hf=cfg.model.use_hf)
    for note in data.notes:
        print(f"note: {note}")
    stats = data.length_stats()
    monitor.expect(check_fit(cfg, task, stats))
    run_dir = pipeline._start_run(cfg, task, loaded, stats)
    trainer = build_vl_trainer(cfg, loaded, proc, data, run_dir)
    ckpt = train.run(trainer, run_dir, cfg.train.resume_from_checkpoint, f"{task} {loaded.model_dir.name}",
                     **pipeline._cockpit_run(cfg, task, monitor, deadline))
    return pipeline.Result(run_dir, ckpt, time.perf_counter() - start)
