"""`swift sft --task_type seq_cls|embedding|reranker|generative_reranker`: the training run, with the same run
folder, args.json, logs, monitor and failure hints as a chat sft run."""
from __future__ import annotations

import time

from swift_cli.engine import pipeline, runs, train
from swift_cli.engine.data.build import raise_problems, shuffle_and_split
from swift_cli.errors import UsageError
from swift_cli.options.declare import replace_group
from swift_cli.options.tasks import resolve


def rule_of(cfg):
    return resolve(cfg.tasks, cfg.task_loss.loss_type)


def with_resolved_task(cfg):
    """The flags with ms-swift's defaults filled in (so args.json, infer and deploy read the task back); a note
    for each default that picked something."""
    rule = rule_of(cfg)
    if cfg.task_loss.loss_type is None and rule.loss_type:
        print(f"note: --loss_type {rule.loss_type} (the default for --task_type {rule.task_type})")
    if cfg.tasks.problem_type is None and rule.problem_type:
        print(f"note: --problem_type {rule.problem_type} (--num_labels {rule.num_labels})")
    ignored = [f"--{f}" for f in ("packing", "padding_free") if getattr(cfg.data, f)]
    if ignored:
        print(f"note: {' '.join(ignored)}: no effect with --task_type {rule.task_type} here (padded batches)")
    cfg = replace_group(cfg, "tasks", task_type=rule.task_type, num_labels=rule.num_labels,
                        problem_type=rule.problem_type)
    return replace_group(cfg, "task_loss", loss_type=rule.loss_type)


def task_rows(cfg, rule):
    """(train rows, validation rows), every bad row reported first."""
    from swift_cli.engine.tasks import rows

    d = cfg.data
    items, problems = rows.read(d.dataset, rule, cfg.train.seed, cfg.model.use_hf)
    val, val_problems = rows.read(d.val_dataset, rule, cfg.train.seed, cfg.model.use_hf)
    raise_problems(problems + val_problems, "--dataset")
    if not items:
        raise UsageError("--dataset: no usable rows")
    return shuffle_and_split(items, val, d, cfg.train.seed)


def run(cfg, task: str) -> pipeline.Result:
    from swift_cli.engine.failures import guard

    cfg = pipeline.with_model_from_adapters(with_resolved_task(cfg))
    with guard(cfg, task, task):
        return _run(cfg, task)


def _run(cfg, task: str) -> pipeline.Result:
    from swift_cli.engine.tasks import trainer
    from swift_cli.engine.vl.processor import is_vl_model

    start = time.perf_counter()
    rule = rule_of(cfg)
    cfg, monitor, deadline, _ = pipeline.cockpit_start(cfg, task)
    runs.check_writable(pipeline.output_root(cfg))
    loaded = pipeline.load_base(cfg)
    if is_vl_model(loaded.model_dir):
        raise UsageError(f"--task_type {rule.task_type} on a vision-language model ({loaded.model_dir.name}) is not "
                         "supported yet; text models train it")
    items, val = task_rows(cfg, rule)
    run_dir = pipeline.start_run(cfg, task, loaded, {"rows": len(items), "val_rows": len(val)})
    built = trainer.build(cfg, rule, loaded, items, val, run_dir)
    ckpt = train.run(built, run_dir, cfg.train.resume_from_checkpoint, f"{rule.task_type} {loaded.model_dir.name}",
                     model_dir=loaded.model_dir, **pipeline.cockpit_run(cfg, task, monitor, deadline))
    return pipeline.Result(run_dir, ckpt, time.perf_counter() - start)
