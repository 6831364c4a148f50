"""Jobs linked to a run: actions started from a finished run (eval before/after, export, deploy) remember their run
in their own meta.json ({"parent": id, "action": name}); the jobs table stays as it is. Any front door can use it."""
from __future__ import annotations

from jobs.meta import read_meta, update_meta


def submit_linked(store, parent_id: int, action: str, argv: list[str], user: str = "local", **meta):
    """Submit `argv` (rendered by the one renderer) as a job linked to run `parent_id`; returns the Job."""
    job = store.submit_argv(argv, user)
    update_meta(job.job_dir, parent=parent_id, action=action, **meta)
    return store.table.get(job.id)


def linked(store, parent_id: int) -> list[tuple[object, dict]]:
    """(job, meta) of every job started from run `parent_id`, oldest first."""
    out = []
    for job in store.list():
        if job.job_dir and job.id != parent_id:
            meta = read_meta(job.job_dir)
            if meta.get("parent") == parent_id:
                out.append((job, meta))
    return out
