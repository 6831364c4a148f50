"""The effects of a training command, in the order a user would describe them."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from swift_cli.engine import models, runs, train
from swift_cli.engine.data.build import prepare
from swift_cli.engine.planning import check_fit
from swift_cli.options.declare import flat_dict


@dataclass
class Result:
    run_dir: Path
    checkpoint: Path
    seconds: float


def load_base(cfg) -> train.Loaded:
    """Resolve (download if needed) the model, pick device and dtype, load the tokenizer."""
    m = cfg.model
    model_dir = models.resolve_model_dir(m.model, use_hf=m.use_hf, revision=m.revision, token=m.hub_token)
    device = models.pick_device(cfg.train.use_cpu)
    train.check_requirements(cfg, device)
    dtype = models.pick_dtype(m.torch_dtype, device)
    return train.Loaded(model_dir, models.load_tokenizer(model_dir, m.template), device, dtype)


def output_root(cfg) -> Path:
    return Path(cfg.train.output_dir) if cfg.train.output_dir else runs.default_output_dir(cfg.model.model)


def show_plan(cfg, task: str) -> None:
    """--dry_run: what would run, from the hardware planner, without loading weights."""
    from swift_cli.engine.planning import print_plan

    print_plan(cfg, task, free=False)


def train_run(cfg, task: str) -> Result:
    """Load, prepare data, create the run folder, train; returns the final checkpoint."""
    start = time.perf_counter()
    root = output_root(cfg)
    runs.check_writable(root)
    loaded = load_base(cfg)
    data = prepare(cfg.data, loaded.tokenizer, task=task, seed=cfg.train.seed, system=cfg.model.system,
                   use_hf=cfg.model.use_hf)
    for note in data.notes:
        print(f"note: {note}")
    check_fit(cfg, task, data.length_stats())
    resume = cfg.train.resume_from_checkpoint
    run_dir = Path(resume).resolve().parent if resume else runs.new_run_dir(root, cfg.train.add_version)
    args = flat_dict(cfg)
    args.update(task=task, model_dir=str(loaded.model_dir.resolve()), device=loaded.device,
                resolved_dtype=str(loaded.dtype).replace("torch.", ""), resolved_learning_rate=train.learning_rate(cfg),
                data_stats=data.length_stats(), run_dir=str(run_dir))
    runs.write_args(run_dir, args)
    trainer = train.build_sft_trainer(cfg, loaded, data, run_dir, task=task)
    ckpt = train.run(trainer, run_dir, resume, f"{task} {loaded.model_dir.name}")
    return Result(run_dir, ckpt, time.perf_counter() - start)


