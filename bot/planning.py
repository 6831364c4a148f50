"""`.plan`: does the job fit this machine (the job core's admission plan), and which cloud machine at what cost."""
from __future__ import annotations

from jobs.admission import plan_for
from jobs.store import render_job_argv


def plan_reply(ft, config) -> str:
    argv = render_job_argv(ft.command, ft.values)
    lines = [f"plan for {ft.model_alias}-{ft.method} on {ft.dataset}: {' '.join(['swift', *argv])}"]
    plan = plan_for(ft.command, argv[1:])
    if plan is None:
        lines.append("this machine: no memory estimate for this job")
    else:
        verdict = "fits" if plan.fits else f"does not fit ({plan.why_not or 'not enough memory'})"
        lines.append(f"this machine: {verdict}; predicted peak {plan.peak_bytes / 2**30:.2f} GiB of "
                     f"{plan.free_bytes / 2**30:.2f} GiB free")
    from jobs.cloud import pick_machine

    machine = pick_machine(ft.command, argv, config.limits.machines)
    if machine:
        lines.append(f"cloud: {machine['accelerator']} (peak {machine['peak_gib']} GiB) at about "
                     f"${machine['price_per_h']:.2f}/h")
    else:
        lines.append("cloud: no allowed machine type fits")
    return "\n".join(lines)
