"""The effects of a training command, in the order a user would describe them."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from swift_cli.engine import models, runs, train
from swift_cli.engine.data.build import collect, prepare, raise_problems, shuffle_and_split
from swift_cli.engine.planning import refine, run_plan
from swift_cli.errors import UsageError
from swift_cli.options.declare import flat_dict, replace_group


@dataclass
class Result:
    run_dir: Path
    checkpoint: Path
    seconds: float


def with_model_from_adapters(cfg):
    """ms-swift: `--adapters CKPT` alone names the base model (and template/system) through its args.json."""
    if cfg.model.model or not cfg.model.adapters:
        return cfg
    from swift_cli.engine.generate import resolve_for_inference

    model, template, system, dtype = resolve_for_inference(cfg.model)
    return replace_group(cfg, "model", model=model, template=template, system=system, torch_dtype=dtype)


def load_base(cfg) -> train.Loaded:
    """Resolve (download if needed) the model, pick device and dtype, load the tokenizer."""
    m = cfg.model
    device = models.pick_device(cfg.train.use_cpu)
    train.check_requirements(cfg, device)
    model_dir = models.resolve_model_dir(m.model, use_hf=m.use_hf, revision=m.revision, token=m.hub_token)
    dtype = models.pick_dtype(m.torch_dtype, device)
    tokenizer = models.load_tokenizer(model_dir, m.template)
    models.set_thinking(tokenizer, m.enable_thinking)
    return train.Loaded(model_dir, tokenizer, device, dtype)


output_root = runs.output_root  # the run folders' parent (lives in runs so that failure hints need not import us)


def show_plan(cfg, task: str) -> None:
    """--dry_run: what would run, from the hardware planner, without loading weights."""
    from swift_cli.engine.planning import print_plan

    print_plan(with_model_from_adapters(cfg), task, free=False)


def start_run(cfg, task: str, loaded: train.Loaded, stats: dict) -> Path:
    """Create (or, when resuming, reuse) the run folder and write args.json."""
    resume = cfg.train.resume_from_checkpoint
    from swift_cli.engine.launch import from_rank0, is_rank0  # several processes: rank 0 names the folder

    run_dir = Path(resume).resolve().parent if resume else from_rank0(
        lambda: runs.new_run_dir(output_root(cfg), cfg.train.add_version))
    args = flat_dict(cfg)
    args.update(task=task, model_dir=str(loaded.model_dir.resolve()), device=loaded.device,
                resolved_dtype=str(loaded.dtype).replace("torch.", ""), resolved_learning_rate=train.learning_rate(cfg),
                data_stats=stats, run_dir=str(run_dir))
    if is_rank0():
        runs.write_args(run_dir, args)
    return run_dir


def cockpit_start(cfg, task: str, planner=None):
    """Before anything heavy: device rules checked, the run planned once (--strict refuses, --max_memory
    refuses), --max_runtime parsed; then the resource monitor, created after the heavy imports and before the
    weights (its baseline is "an idle process with the same imports"). `planner(cfg)` replaces run_plan where a
    trainer adds its own terms (GRPO's rollout). Returns (cfg with the plan's defaults, monitor, deadline, plan)."""
    from swift_cli.engine import advice
    from swift_cli.engine.monitor import Monitor
    from swift_cli.units import parse_duration

    deadline = time.monotonic() + parse_duration(cfg.train.max_runtime) if cfg.train.max_runtime else None
    device = models.pick_device(cfg.train.use_cpu)
    train.check_requirements(cfg, device)
    plan = planner(cfg) if planner else run_plan(cfg, task)
    if cfg.train.max_memory:
        advice.check_max_memory(cfg, task, "rlhf" if task == "dpo" else task, plan)
    import peft  # noqa: F401
    import trl  # noqa: F401

    monitor = Monitor(device=device)
    monitor.expect(plan)
    return planned_defaults(cfg, plan), monitor, deadline, plan


def planned_defaults(cfg, plan):
    """Options left unset that the run's plan decides: gradient checkpointing only when memory needs it (it costs
    a third more compute per step). Without an estimate it is on, as in ms-swift."""
    cfg = report_to_default(cfg)
    if getattr(getattr(cfg, "evalscope", None), "eval_use_evalscope", False):
        from swift_cli.extras import require_extra

        require_extra("eval", flag="--eval_use_evalscope true")
    if cfg.train.gradient_checkpointing is not None:
        return cfg
    if plan is None:
        gc, why = True, "no memory estimate"
    else:
        gc = bool(plan.flags.get("gradient_checkpointing", True))
        why = "needed to fit" if gc else "fits without it: faster"
    print(f"note: --gradient_checkpointing {str(gc).lower()} ({why})")
    return replace_group(cfg, "train", gradient_checkpointing=gc)


def report_to_default(cfg):
    """--report_to left unset: tensorboard where its extra is installed (as ms-swift), else none with a note (JSON
    lines and loss.png are written either way). Given explicitly, tensorboard without its extra is refused in one
    line with the install command."""
    from swift_cli.extras import has_extra, require_extra

    given = cfg.train.report_to
    if given is not None:
        if any(r.lower() == "tensorboard" for r in given):
            require_extra("tensorboard", flag="--report_to tensorboard")
        return cfg
    if has_extra("tensorboard"):
        return replace_group(cfg, "train", report_to=["tensorboard"])
    print("note: --report_to none (tensorboard is not installed: logging.jsonl and loss.png only; "
          "for tensorboard logs: bash scripts/yichuidingyin.sh --install-only --extras tensorboard)")
    return replace_group(cfg, "train", report_to=["none"])


def cockpit_run(cfg, command: str, monitor, deadline) -> dict:
    """train.run's monitor, --max_runtime deadline and hint makers for this command."""
    from swift_cli.engine import advice

    return dict(monitor=monitor, deadline=deadline,
                on_diverged=lambda *args: advice.diverged_error(cfg, command, *args),
                resume_command=lambda ckpt: advice.same_command(cfg, command, {"resume_from_checkpoint": ckpt}))


def with_padding_free_default(cfg, task: str, plan):
    """Text sft with --padding_free unset: what the run's plan chose (on where the flattened batch stays short,
    hardware.rules.padding_free_by_default); the same rule when there is no plan."""
    from hardware.rules import padding_free_by_default

    d = cfg.data
    if d.padding_free is not None or task != "sft":
        return cfg
    if plan is not None:
        on = bool(plan.flags.get("padding_free"))
    else:
        on = padding_free_by_default(cfg.train.per_device_train_batch_size, d.max_length, d.packing)
    if on:
        print("note: --padding_free true (each batch's rows end to end in one row, no compute on padding)")
    return replace_group(cfg, "data", padding_free=on)


def train_run(cfg, task: str) -> Result:
    """sft / pt: load, prepare data, create the run folder, train; returns the final checkpoint. Known failures
    (out of memory, disk full, no chat template, rows too long) leave as one-line errors with the next command."""
    from swift_cli.engine.failures import guard

    cfg = with_model_from_adapters(cfg)
    with guard(cfg, task, task):
        return _train_run(cfg, task)


def _train_run(cfg, task: str) -> Result:
    start = time.perf_counter()
    cfg, monitor, deadline, plan = cockpit_start(cfg, task)
    runs.check_writable(output_root(cfg))
    loaded = load_base(cfg)
    from swift_cli.engine.vl.processor import is_vl_model

    if is_vl_model(loaded.model_dir):  # image-text models take the VL data path and trainer (engine/vl/)
        from swift_cli.engine.vl.pipeline import prepare as prepare_vl

        data, build_trainer = prepare_vl(cfg, task, loaded)
    else:
        cfg = with_padding_free_default(cfg, task, plan)
        data = prepare(cfg.data, loaded.tokenizer, task=task, seed=cfg.train.seed, system=cfg.model.system,
                       use_hf=cfg.model.use_hf)

        def build_trainer(run_dir):
            return train.build_sft_trainer(cfg, loaded, data, run_dir, task=task)
    for note in data.notes:
        print(f"note: {note}")
    monitor.expect(refine(plan, cfg, task, data.length_stats()))
    run_dir = start_run(cfg, task, loaded, data.length_stats())
    trainer = build_trainer(run_dir)
    if getattr(getattr(cfg, "evalscope", None), "eval_use_evalscope", False):  # score checkpoints as they are saved
        from swift_cli.engine.eval.callback import EvalScopeCallback

        trainer.add_callback(EvalScopeCallback(cfg.evalscope, run_dir, cfg.tuner.train_type == "full",
                                               loaded.model_dir))
    ckpt = train.run(trainer, run_dir, cfg.train.resume_from_checkpoint, f"{task} {loaded.model_dir.name}",
                     model_dir=loaded.model_dir, **cockpit_run(cfg, task, monitor, deadline))
    return Result(run_dir, ckpt, time.perf_counter() - start)


def preference_items(cfg, tokenizer):
    """Preference rows (train, val), every bad row reported, prompts over --max_prompt_length dropped."""
    from swift_cli.engine.data.encode import prompt_ids

    task, d = cfg.rlhf.rlhf_type, cfg.data
    kw = dict(model_name=d.model_name, model_author=d.model_author, seed=cfg.train.seed, system=cfg.model.system,
              use_hf=cfg.model.use_hf)
    items, problems = collect(d.dataset, task, **kw)
    val, val_problems = collect(d.val_dataset, task, **kw)
    raise_problems(problems + val_problems, "--dataset")
    limit = cfg.rlhf.max_prompt_length
    if limit:
        items = [i for i in items if len(prompt_ids(tokenizer, i.pref["prompt"])) <= limit]
    if not items:
        raise UsageError("--dataset: no usable preference rows" + (f" within --max_prompt_length {limit}" if limit else ""))
    return shuffle_and_split(items, val, d, cfg.train.seed)


def align_run(cfg) -> Result:
    """dpo / orpo / cpo / simpo / kto through trl, with the same run folder, logs, monitor and failure hints."""
    from swift_cli.engine.failures import guard

    cfg = with_model_from_adapters(cfg)
    with guard(cfg, "dpo", "rlhf"):
        return _align_run(cfg)


def _align_run(cfg) -> Result:
    from swift_cli.engine import align

    start = time.perf_counter()
    cfg, monitor, deadline, _ = cockpit_start(cfg, "dpo")
    runs.check_writable(output_root(cfg))
    loaded = load_base(cfg)
    from swift_cli.engine.vl.processor import is_vl_model

    if is_vl_model(loaded.model_dir):
        raise UsageError(f"swift rlhf on a vision-language model ({loaded.model_dir.name}) is not supported yet; "
                         "swift sft trains it")
    items, val = preference_items(cfg, loaded.tokenizer)
    task = cfg.rlhf.rlhf_type
    stats = {"rows": len(items), "val_rows": len(val)}
    run_dir = start_run(cfg, task, loaded, stats)
    trainer = align.build_trainer(cfg, loaded, items, val, run_dir)
    ckpt = train.run(trainer, run_dir, cfg.train.resume_from_checkpoint, f"{task} {loaded.model_dir.name}",
                     model_dir=loaded.model_dir, **cockpit_run(cfg, "rlhf", monitor, deadline))
    return Result(run_dir, ckpt, time.perf_counter() - start)
