"""`swift plan --recommend`: the machines a task fits on, cheapest first (hardware.recommend), as a table or JSON."""
from __future__ import annotations

import json

from swift_cli.errors import UsageError

SHOWN = 15  # table rows; --json lists every row


def rows_for(cfg, task: str):
    """hardware.recommend over the model's config.json with the user's explicit choices as wishes."""
    from hardware.loaders import load_model_config
    from hardware.recommend import recommend
    from hardware.spec import ModelSpec
    from swift_cli.engine.planning import wishes

    model = cfg.model.model
    if not model:
        raise UsageError("--model is required for --recommend")
    try:
        spec = ModelSpec.from_config(load_model_config(model, use_hf=cfg.model.use_hf))
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(f"--model {model}: {str(exc).splitlines()[0]}") from None
    w = wishes(cfg, task, free=True)
    w.pop("task", None)
    return spec, recommend(spec, task, w)


def _command(cfg, task: str, row) -> str:
    """The row's command: what the user set, then the row's flags (the one renderer)."""
    from swift_cli.engine.planning import COMMAND_OF_TASK
    from swift_cli.options.render import render

    flags = {k: v for k, v in row.flags.items() if k != "nproc_per_node"}
    env = {"NPROC_PER_NODE": row.count} if row.count > 1 and task != "infer" else None
    return render(cfg, COMMAND_OF_TASK.get(task, task), flags, drop=("hardware",), env=env)


def print_recommendations(cfg, task: str, as_json: bool = False) -> list:
    spec, rows = rows_for(cfg, task)
    if as_json:
        print(json.dumps({"model": cfg.model.model, "task": task, "params_total": spec.params_total,
                          "rows": [{**r.to_dict(), "command": _command(cfg, task, r)} for r in rows]},
                         ensure_ascii=False, default=str))
        return rows
    from rich.console import Console
    from rich.table import Table

    from hardware.recommend import cheapest_per_method

    console = Console()
    size = f"{spec.params_total / 1e9:.1f}B"
    if not rows:
        console.print(f"{cfg.model.model} ({size}) {task}: no built-in profile up to 8 devices fits; shorten "
                      "--max_length or plan for several nodes")
        return rows
    console.print(f"[bold]{cfg.model.model}[/] ({size}) {task}: " + "; ".join(r.summary()
                                                                               for r in cheapest_per_method(rows)))
    table = Table(show_lines=False)
    for col in ("hardware", "GiB/dev", "method", "peak/dev", "≈$/h", "batch×acc", "grad ckpt", "deepspeed"):
        table.add_column(col, justify="right" if col in ("GiB/dev", "peak/dev", "≈$/h", "batch×acc") else "left")
    for r in rows[:SHOWN]:
        f = r.flags
        table.add_row(r.hardware, f"{r.memory_gib:g}", r.method, f"{r.peak_bytes / 2**30:.1f} GiB",
                      f"{r.relative_cost:.2f}", f"{f.get('per_device_train_batch_size', '-')}×"
                      f"{f.get('gradient_accumulation_steps', '-')}", str(f.get("gradient_checkpointing", "-")).lower(),
                      f.get("deepspeed", "-"))
    console.print(table)
    if len(rows) > SHOWN:
        console.print(f"… {len(rows) - SHOWN} more (--json lists them all)")
    console.print("[bold]commands (cheapest per method):[/]")
    for r in cheapest_per_method(rows):
        print(f"# {r.summary()}\n{_command(cfg, task, r)}")
    return rows
