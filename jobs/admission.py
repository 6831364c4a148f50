"""Admission: plan a job before it starts (hardware/ via swift_cli/engine/planning.py).

A job that does not fit this machine at all is refused with the planner's reason and nearest change; one that fits
alone but not next to the running jobs' predicted peaks waits in the queue."""
from __future__ import annotations

from dataclasses import dataclass

TASK_OF_COMMAND = {"sft": "sft", "pt": "pt", "dpo": "dpo", "rlhf": "dpo", "infer": "infer"}
# Jobs planned by hardware/job_memory.py: serving (weights + KV cache; eval serves the model it scores) and export
# (2 × weights).
OTHER_PLANNED = ("infer", "eval", "deploy", "app", "export")


@dataclass
class Verdict:
    """What admission decided: 'start', 'queue' or 'refuse', with the predicted peak (bytes) and a reason."""

    action: str
    peak: int | None
    free: int | None
    reason: str | None = None


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def plan_for(command: str, argv: list[str]):
    """The planner's Plan for `swift command argv` exactly as it would run (free=False), or None where no
    estimate can be made (a command the planner does not model)."""
    task = TASK_OF_COMMAND.get(command)
    if task is None and command not in OTHER_PLANNED:
        return None
    from swift_cli.engine.planning import job_plan, make_plan
    from swift_cli.options.parse import parse_command
    from swift_cli.options.render import command_config

    hardware = None
    if command in OTHER_PLANNED and "--hardware" in argv:  # a cloud machine's profile (jobs/cloud.pick_machine):
        i = argv.index("--hardware")                       # these commands have no --hardware flag of their own
        argv, hardware = argv[:i] + argv[i + 2:], (argv[i + 1:i + 2] or [None])[0]
    _, cfg = parse_command(command_config(command), argv)
    try:
        if command in OTHER_PLANNED:
            return job_plan(cfg, command, hardware)
        return make_plan(cfg, task, free=False)
    except Exception:  # noqa: BLE001 - no estimate must not block a job (as a run does: planning.run_plan)
        return None


def admit(command: str, argv: list[str], running_peaks: list[int]) -> Verdict:
    """Decide for one job given the predicted peaks of the jobs already running on this machine."""
    plan = plan_for(command, argv)
    if plan is None:
        return Verdict("start" if not running_peaks else "queue", None, None,
                       None if not running_peaks else "no memory estimate; waits for the running jobs")
    if not plan.fits:
        reason = plan.why_not or (f"the estimate ({_gib(plan.peak_bytes)}) exceeds free memory "
                                  f"({_gib(plan.free_bytes)})")
        if plan.nearest_change:
            reason += f"; nearest change that fits: {plan.nearest_change.get('flags_text')}"
        return Verdict("refuse", plan.peak_bytes, plan.free_bytes, reason)
    used = sum(running_peaks)
    if used and plan.peak_bytes + used > plan.free_bytes:
        return Verdict("queue", plan.peak_bytes, plan.free_bytes,
                       f"needs {_gib(plan.peak_bytes)}; {_gib(max(plan.free_bytes - used, 0))} free next to the running jobs")
    return Verdict("start", plan.peak_bytes, plan.free_bytes)
