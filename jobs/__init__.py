"""The job core shared by `swift jobs`, the web UI and the chat bot.

A job is a `swift ...` argv rendered by the one renderer (swift_cli/options/render.py) from a typed config, run
as its own session (it outlives whoever started it). Its state lives in SQLite under $YICHUI_HOME/jobs.db.

    from jobs import JobStore
    store = JobStore()                                   # $YICHUI_HOME/jobs.db
    job = store.submit("sft", {"model": "tiny", ...}, user="alice")   # admitted, queued or refused
    for ev in store.events(job.id, after=0): ...         # ids resume a stream
    store.stop(job.id); store.resume(job.id)
"""
from jobs.store import Job, JobStore, home

__all__ = ["Job", "JobStore", "home"]
