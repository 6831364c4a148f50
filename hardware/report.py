"""Rich rendering of a :class:`~hardware.plan.Plan`: the breakdown in GiB, the verdict, the
derived flags and the notes. Importing this module imports rich (not torch)."""
from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .plan import Plan

GIB = 1024 ** 3
_LABELS = {
    "weights": "weights", "trainable_params": "trainable (adapter) params",
    "reference_weights": "reference model", "gradients": "gradients",
    "optimizer_states": "optimizer states", "master_weights": "fp32 master weights",
    "autocast_cache": "autocast weight cache", "activations": "activations",
    "logits": "logits (loss, fp32)", "backward_temp": "backward working set",
    "kv_cache": "KV cache",
    "optimizer_step_temp": "optimizer-step temporaries", "comm_buffers": "communication buffers",
    "runtime_overhead": "runtime overhead",
}


def _gib(x: int) -> str:
    return f"{x / GIB:,.2f}"


def render_plan(plan: Plan) -> Group:
    """A rich renderable: memory table, verdict line, flags table, notes."""
    mem = Table(title=f"Memory per device · {plan.hardware} ({plan.device_kind} × {plan.num_devices})",
                box=box.SIMPLE_HEAVY, title_justify="left")
    mem.add_column("term")
    mem.add_column("GiB", justify="right")
    mem.add_column("at peak", justify="center")
    for term, val in plan.breakdown.items():
        if not val:
            continue
        live = term in plan.peak_terms
        mem.add_row(_LABELS.get(term, term), _gib(val), "✓" if live else "·",
                    style=None if live else "dim")
    mem.add_row("peak", _gib(plan.peak_bytes), plan.phase, style="bold")
    mem.add_row("free", _gib(plan.free_bytes), "", style="bold")

    verdict = Text()
    verdict.append("fits" if plan.fits else "does not fit", style="bold green" if plan.fits else "bold red")
    pct = plan.peak_bytes / plan.free_bytes * 100 if plan.free_bytes else float("inf")
    verdict.append(f"  ({pct:.0f}% of free memory; params {plan.params_total / 1e9:.3g}B total, "
                   f"{plan.params_trainable / 1e6:,.1f}M trainable)")

    flags = Table(title="Derived flags", box=box.SIMPLE, title_justify="left", show_header=False)
    flags.add_column("flag", style="cyan")
    flags.add_column("value")
    for k, v in plan.flags.items():
        name = "NPROC_PER_NODE (env)" if k == "nproc_per_node" else f"--{k}"
        flags.add_row(name, str(v).lower() if isinstance(v, bool) else str(v))

    parts = [mem, verdict, flags]
    if plan.notes:
        notes = Text("Notes\n", style="bold")
        for line in plan.notes:
            notes.append(f"  • {line}\n", style="yellow" if line.startswith(("refused", "does not")) else "")
        parts.append(notes)
    return Group(*parts)
