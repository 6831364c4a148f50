"""Endpoints of a finished run's actions (webui/actions.py): start one, list the run's linked jobs and eval scores."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from webui.actions import ActionError, eval_results, linked_view, start_action

router = APIRouter()


def run_actions(store, job_id: int) -> dict:
    """{jobs: the run's linked jobs, eval: before/after scores with 95% intervals} (also the run page's data)."""
    from jobs.links import linked

    children = linked(store, job_id)
    return {"jobs": linked_view(children), "eval": eval_results(children)}


@router.post("/jobs/{job_id}/actions/{action}")
async def start(request: Request, job_id: int, action: str):
    """Start `action` (eval | merge | gguf | quantize | deploy) on finished run `job_id` as linked job(s)."""
    store = request.app.state.console.store
    try:
        body = await request.json()
    except ValueError:
        body = {}
    job = await run_in_threadpool(store.get, job_id)
    if job is None:
        return JSONResponse({"error": f"no job {job_id}"}, 404)
    try:
        started = await run_in_threadpool(_start, store, job, action, body if isinstance(body, dict) else {})
    except ActionError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    return {"jobs": [{"id": j.id, "status": j.status, "reason": j.reason, "command_line": j.command_line}
                     for j in started]}


def _start(store, job, action: str, body: dict):
    from webui.forms import PLAN_LOCK

    with PLAN_LOCK:  # admission plans the job: one plan at a time in this process (webui/forms.py)
        return start_action(store, job, action, body)


@router.get("/api/jobs/{job_id}/actions")
async def actions(request: Request, job_id: int):
    store = request.app.state.console.store
    if await run_in_threadpool(store.table.get, job_id) is None:
        return JSONResponse({"error": f"no job {job_id}"}, 404)
    return await run_in_threadpool(run_actions, store, job_id)
