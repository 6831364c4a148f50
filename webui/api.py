"""JSON, upload and event-stream endpoints. Every POST passed the CSRF check in the middleware (webui/app.py)."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse

from jobs.events import END_ID
from webui.forms import PLAN_LOCK, FormError, check_dataset, command_line, parse_form, plan_panel, stage_dir, store_upload
from webui.views import job_view

router = APIRouter()
POLL_S = 0.5


def _console(request: Request):
    return request.app.state.console


async def _form(request: Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise FormError("the request body must be a JSON object")
    return body


@router.post("/api/plan")
async def plan(request: Request):
    """The live plan panel and the exact command for the form as it stands (also the dry run)."""
    try:
        command, values = parse_form(await _form(request))
        panel = await run_in_threadpool(plan_panel, command, values)
    except FormError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    return {"command_line": command_line(command, values), **panel}


@router.post("/api/defaults")
async def defaults(request: Request):
    """What the chosen model fits here and the planner's values for the key fields the user left empty."""
    from webui.fit import planner_defaults
    from webui.machine import this_profile

    form = await _form(request) if request.headers.get("content-length") not in (None, "0") else {}
    from webui.strings import request_lang, table

    prof = await run_in_threadpool(this_profile)
    out = await run_in_threadpool(planner_defaults, form, prof)
    words = table(request_lang(request, _console(request)))
    return {**out, "fit_text": words.get(f"wz.fit.{out['fit']}", "") if out["fit"] else out.get("why", "")}


@router.post("/api/launch")
async def launch(request: Request):
    """Submit the form's run to the job core: running, queued or refused (with the planner's reason)."""
    console = _console(request)
    try:
        form = await _form(request)
        command, values = parse_form(form)
    except FormError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    from jobs.store import render_job_argv

    staged = stage_dir(Path(console.store.root), form.get("sid")) if form.get("sid") else None
    argv = render_job_argv(command, values)
    job = await run_in_threadpool(_submit, console.store, argv, staged)
    return {"id": job.id, "status": job.status, "reason": job.reason, "command_line": job.command_line}


def _submit(store, argv: list[str], staged):
    with PLAN_LOCK:  # admission plans the run: one plan at a time (webui/forms.py)
        return store.submit_argv(argv, "web", staged)


@router.post("/api/upload")
async def upload(request: Request, name: str, sid: str = "", task: str = "sft"):
    """Store one dataset file (raw body) in this form's staging folder, size-limited, then check it row by row."""
    console = _console(request)
    limit = console.upload_limit
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return JSONResponse({"error": f"upload {name!r}: larger than the limit ({limit} bytes)"}, 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return JSONResponse({"error": f"upload {name!r}: larger than the limit ({limit} bytes)"}, 413)
        chunks.append(chunk)
    folder = stage_dir(Path(console.store.root), sid)
    try:
        path = store_upload(folder, name, chunks, limit)
    except FormError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    report = await run_in_threadpool(check_dataset, path, task)
    return {"sid": folder.name, **report}


@router.get("/api/jobs")
async def jobs_list(request: Request):
    store = _console(request).store
    return [await run_in_threadpool(job_view, store, j) for j in await run_in_threadpool(store.list)]


@router.get("/api/jobs/{job_id}")
async def job_detail(request: Request, job_id: int):
    store = _console(request).store
    job = await run_in_threadpool(store.get, job_id)
    if job is None:
        return JSONResponse({"error": f"no job {job_id}"}, 404)
    return {**await run_in_threadpool(job_view, store, job), "log": store.log_tail(job_id, 30)}


@router.post("/jobs/{job_id}/stop")
async def stop(request: Request, job_id: int):
    job = await run_in_threadpool(_console(request).store.stop, job_id)
    return {"id": job.id, "status": job.status, "exit_code": job.exit_code}


@router.post("/jobs/{job_id}/resume")
async def resume(request: Request, job_id: int):
    job = await run_in_threadpool(_console(request).store.resume, job_id)
    return {"id": job.id, "status": job.status, "command_line": job.command_line}


def _sse(ev_id: int, kind: str, data: dict) -> str:
    return f"id: {ev_id}\nevent: {kind}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@router.get("/jobs/{job_id}/events")
async def events(request: Request, job_id: int, after: int = 0):
    """Server-sent events with ids: a reconnecting browser sends Last-Event-ID and gets what it missed, once.
    After the final 'status' event the stream ends; a reconnect after it gets 204 (the browser stops)."""
    store = _console(request).store
    last = request.headers.get("last-event-id", "")
    after = int(last) if last.isdigit() else after
    if await run_in_threadpool(store.table.get, job_id) is None:
        return JSONResponse({"error": f"no job {job_id}"}, 404)
    if after >= END_ID:
        return Response(status_code=204)

    async def stream():
        nonlocal after
        yield "retry: 1000\n\n"
        idle = 0.0
        while not await request.is_disconnected():
            batch = await run_in_threadpool(store.events, job_id, after)
            for ev_id, kind, data in batch:
                yield _sse(ev_id, kind, data)
                after = ev_id
            if any(kind == "status" for _, kind, _ in batch):
                return
            idle = 0.0 if batch else idle + POLL_S
            if idle >= 15:
                yield ": keep-alive\n\n"
                idle = 0.0
            await asyncio.sleep(POLL_S)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.post("/api/chat")
async def chat(request: Request):
    """Stream one answer (text/plain pieces) from our deploy server for the page's model (or the run's adapter); a
    user turn may carry an image (an image_url data URL part) for a vision-language model."""
    from webui.chat import ChatError, chat_messages

    console = _console(request)
    body = await request.json()
    try:
        messages = chat_messages(body)
    except ChatError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    model, adapter = await run_in_threadpool(_chat_target, console, body)
    try:
        server = await run_in_threadpool(console.chats.get, model, adapter)
    except ChatError as exc:
        return JSONResponse({"error": str(exc)}, 502)

    async def pieces():
        try:
            async for piece in server.stream(messages, float(body.get("temperature", 0.0)),
                                             int(body.get("max_tokens", 128))):
                yield piece
        except ChatError as exc:
            yield f"\n[error: {exc}]"

    return StreamingResponse(pieces(), media_type="text/plain; charset=utf-8")


def _chat_target(console, body: dict) -> tuple[str | None, str | None]:
    """(model, adapter) to serve: `swift app`'s fixed pair, a job's model and last checkpoint, or the page's model."""
    if console.app_only or console.chat_model or console.chat_adapter:
        return console.chat_model, console.chat_adapter
    job_id = body.get("job")
    if job_id not in (None, ""):
        from swift_cli.engine.runs import last_checkpoint
        from webui.views import argv_options

        job = console.store.get(int(job_id))
        ckpt = None
        for rd in reversed(console.store.run_dirs(job)) if job else []:
            if ckpt := last_checkpoint(rd, complete=True):
                break
        return argv_options(job.argv).get("model") if job else None, str(ckpt) if ckpt else None
    return str(body.get("model") or "") or None, None
