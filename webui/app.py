"""The FastAPI app: token gate and CSRF check (middleware), language, templates; routes in pages.py and api.py.

    from webui.app import Console, create_app
    app = create_app(Console(store=JobStore(), token=None))     # uvicorn.run(app, host=..., port=...)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from webui.security import COOKIE, CSRF_HEADER, Guard
from webui.strings import LANG_COOKIE

HERE = Path(__file__).resolve().parent
UPLOAD_LIMIT = 20 * 2**20
APP_PATHS = ("/chat", "/api/chat", "/static/")  # all that `swift app` serves


@dataclass
class Console:
    """One UI process's state: the job store, who may enter, the language, limits and the chat servers."""

    store: object
    token: str | None = None
    lang: str = "en"
    upload_limit: int = UPLOAD_LIMIT
    chat_model: str | None = None          # `swift app`: the one model (and adapter) the chat page serves
    chat_adapter: str | None = None
    app_only: bool = False
    base_url: str | None = None            # `swift app --base_url`: chat with a server already running
    guard: Guard = field(init=False)
    chats: object = field(init=False)

    def __post_init__(self):
        from webui.chat import ChatServers

        self.guard = Guard(self.token, Path(self.store.root) / "webui" / "secret")
        self.chats = ChatServers(Path(self.store.root) / "webui", base_url=self.base_url)


def _gate(console: Console):
    async def gate(request: Request, call_next):
        guard = console.guard
        query_token = request.query_params.get("token")
        if not guard.token_ok(request.cookies.get(COOKIE), query_token):
            msg = "access token required: open the link `swift web-ui` printed (…/?token=…)"
            if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                return HTMLResponse(f"<!doctype html><meta charset=utf-8><p id=need-token>{msg}</p>", 401)
            return JSONResponse({"error": msg}, 401)
        if query_token and guard.token:  # set the cookie, then drop the token from the address bar
            rest = {k: v for k, v in request.query_params.items() if k != "token"}
            resp = RedirectResponse(request.url.path + (f"?{urlencode(rest)}" if rest else ""), 303)
            resp.set_cookie(COOKIE, guard.token, httponly=True, samesite="strict")
            return resp
        if console.app_only and not request.url.path.startswith(APP_PATHS):
            return RedirectResponse("/chat", 303) if request.url.path == "/" else JSONResponse(
                {"error": "`swift app` serves the chat page only (swift web-ui has the rest)"}, 404)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not guard.csrf_ok(request.headers.get(CSRF_HEADER)):
            return JSONResponse({"error": "missing or wrong CSRF token (reload the page)"}, 403)
        resp = await call_next(request)
        if request.query_params.get("lang") in ("en", "zh"):
            resp.set_cookie(LANG_COOKIE, request.query_params["lang"], samesite="strict")
        return resp
    return gate


def create_app(console: Console) -> FastAPI:
    from webui import actions_api, api, pages

    app = FastAPI(title="yichui web UI", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.middleware("http")(_gate(console))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(actions_api.router)
    return app
