"""The HTML pages: Home, New run, Run, Compare, Chat (zh/en). Data for live parts comes from api.py."""
from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from webui.forms import FIELDS, TASKS
from webui.machine import machine
from webui.strings import option_text, request_lang, table
from webui.views import argv_options, job_view, sparkline

router = APIRouter()


def _render(request: Request, name: str, **ctx) -> HTMLResponse:
    console = request.app.state.console
    lang = request_lang(request, console)
    ctx |= {"request": request, "s": table(lang), "lang": lang, "csrf": console.guard.csrf,
            "app_only": console.app_only}
    return request.app.state.templates.TemplateResponse(request, name, ctx)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request):
    console = request.app.state.console
    if console.app_only:
        return RedirectResponse("/chat", 303)
    store = console.store
    jobs = await run_in_threadpool(store.list)
    views = [await run_in_threadpool(job_view, store, j) for j in reversed(jobs)]
    for v in views:
        v["spark"] = sparkline(v["losses"])
    return _render(request, "home.html", machine=await run_in_threadpool(machine),
                   active=[v for v in views if v["status"] in ("queued", "running")],
                   history=[v for v in views if v["status"] not in ("queued", "running")])


@router.get("/new", response_class=HTMLResponse)
async def new_run(request: Request):
    lang = request_lang(request, request.app.state.console)
    fields = [(name, *option_text(lang, name)) for name in FIELDS]
    from webui.fit import model_choices
    from webui.machine import this_profile

    models = await run_in_threadpool(model_choices, await run_in_threadpool(this_profile))
    return _render(request, "new.html", fields=fields, tasks=TASKS, models=models)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
async def run_page(request: Request, job_id: int):
    store = request.app.state.console.store
    job = await run_in_threadpool(store.get, job_id)
    if job is None:
        return HTMLResponse(f"<p>no job {job_id}</p>", 404)
    from jobs.meta import read_meta
    from swift_cli.options.export import CPU_QUANT_METHODS, GGUF_TYPES
    from webui.actions_api import run_actions

    return _render(request, "run.html", job=await run_in_threadpool(job_view, store, job),
                   record=await run_in_threadpool(finished_record, store, job),
                   actions=await run_in_threadpool(run_actions, store, job_id),
                   parent=read_meta(job.job_dir).get("parent") if job.job_dir else None,
                   gguf_types=GGUF_TYPES, quant_methods=CPU_QUANT_METHODS)


def finished_record(store, job) -> list[str] | None:
    """The finished job's structured record as `swift jobs show` keeps it and the bot's `.status` prints it."""
    if job.status in ("queued", "running", "refused") or not job.job_dir:
        return None
    from jobs.record import job_record, record_lines

    return record_lines(job_record(store, job))


@router.get("/compare", response_class=HTMLResponse)
async def compare(request: Request, ids: str = ""):
    store = request.app.state.console.store
    wanted = [int(x) for x in ids.replace(" ", "").split(",") if x.isdigit()]
    jobs = [j for j in [await run_in_threadpool(store.get, i) for i in wanted] if j is not None]
    views = [await run_in_threadpool(job_view, store, j) for j in jobs]
    opts = [argv_options(j.argv) for j in jobs]
    keys = sorted({k for o in opts for k in o if k != "output_dir"})
    diff = [(k, [o.get(k, "") for o in opts]) for k in keys if len({o.get(k, "") for o in opts}) > 1]
    curves = [{"label": f"#{v['id']}", "points": v["curve"]} for v in views]
    scores = await run_in_threadpool(compare_scores, store, [j.id for j in jobs])
    return _render(request, "compare.html", jobs=views, diff=diff, ids=ids, curves=json.dumps(curves),
                   scores=scores)


def compare_scores(store, job_ids: list[int]) -> list[tuple[str, list[dict | None]]]:
    """[(dataset, [that run's eval row {before, after, diff} or None, per run])] for runs with eval results."""
    from jobs.links import linked
    from webui.actions import eval_results

    per_run = [{row["dataset"]: row for row in eval_results(linked(store, i))} for i in job_ids]
    names = sorted({d for rows in per_run for d in rows})
    return [(d, [rows.get(d) for rows in per_run]) for d in names]


@router.get("/chat", response_class=HTMLResponse)
async def chat_page(request: Request, job: int | None = None):
    console = request.app.state.console
    model = console.chat_model or ""
    if job is not None and not console.app_only:
        j = await run_in_threadpool(console.store.get, job)
        model = argv_options(j.argv).get("model", "") if j else ""
    return _render(request, "chat.html", job=job, model=model, adapter=console.chat_adapter or "")
