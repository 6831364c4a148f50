"""Where a chat job runs: `local` (this machine, through the job core) or `cloud` (a SkyPilot machine)."""
from __future__ import annotations

from bot.safety import Refused
from jobs.store import render_job_argv

LOCAL = {"machine": "local", "gpus": 1, "price_per_h": 0.0, "backend": "local"}


def submit(service, ctx, ft):
    """(Job, machine facts) for a parsed .finetune, on the configured backend."""
    store = service.store
    if service.config.backend != "cloud":
        limits = service.config.limits_for(ctx.user, ctx.channel).os_limits()
        return store.submit(ft.command, ft.values, user=ctx.user, limits=limits or None), dict(LOCAL)
    from jobs import cloud

    argv = render_job_argv(ft.command, ft.values)
    limits = service.config.limits_for(ctx.user, ctx.channel)
    machine = cloud.pick_machine(ft.command, argv, limits.machines)
    if machine is None:
        raise Refused(f"refused: no allowed machine type fits this job ({', '.join(limits.machines)}); nothing was "
                      f"run")
    job_id = store.table.insert(ctx.user, ft.command, argv, "new")      # not "queued": never started locally
    job_dir = store.root / "jobs" / str(job_id)
    job_dir.mkdir(parents=True, exist_ok=True)
    store.table.update(job_id, job_dir=str(job_dir))
    task = cloud.task_config(job_id, argv, machine["accelerator"], limits.idle_minutes,
                             min(limits.max_runtime_s, 10**7), store=service.config.store)
    cloud.launch(store, job_id, task, service.config.sky_bin)
    facts = {"machine": f"cloud {machine['accelerator']}", "gpus": 1, "price_per_h": machine["price_per_h"],
             "backend": "cloud", "accelerator": machine["accelerator"]}
    return store.get(job_id), facts


def stop(service, job) -> None:
    """Stop a job: SIGINT (checkpoint) locally; on the cloud also tear the machine down."""
    from jobs.meta import read_meta

    meta = read_meta(job.job_dir)
    if meta.get("backend") == "cloud":
        from jobs import cloud

        cloud.teardown(job.id, meta.get("sky_bin", "sky"))
    service.store.stop(job.id)
