"""The pt backend: FastAPI + uvicorn over transformers generate, with request batching.

Routes: GET /health (no key), GET /v1/models, POST /v1/chat/completions, POST /v1/completions (an encoder task
model: its routes instead, serve/tasks.py).
Every /v1 route needs `Authorization: Bearer KEY` when a key is set. Every error has the OpenAI shape.
"""
from __future__ import annotations

import asyncio
import errno
import hmac
import json
import os
import socket
import sys
import time
import uuid
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException

from swift_cli.engine.serve.batcher import Batcher, Job
from swift_cli.engine.serve.protocol import (ApiError, bad, decoding, fit_context, messages_of, parse_json,
                                             prompts_of, served_model)
from swift_cli.errors import UsageError
from swift_cli.sockets import listen


class Engine:
    """The loaded model, its API names (base + adapters) and the batcher that runs it."""

    def __init__(self, cfg):
        from swift_cli.engine.generate import BASE, ChatModel, GenParams, resolve_for_inference, should_merge
        from swift_cli.engine.models import parse_adapters

        # eval's local server sets need_base when the base is scored too (--eval_base); deploy has no such field
        merge = should_merge(cfg.merge.merge_lora, parse_adapters(cfg.model.adapters), getattr(cfg, "need_base", False))
        self.chat = ChatModel(cfg.model, use_cpu=cfg.serve.use_cpu, merge=merge)
        model = resolve_for_inference(cfg.model)[0]
        self.base_name = cfg.serve.served_model_name or Path(str(model).rstrip("/")).name
        if self.chat.merged:  # the merged weights answer as the adapter; the bare base is not in them
            self.base_name = self.chat.merged
            self.names = {self.base_name: self.base_name}
            self.roots = {self.base_name: str(self.chat.adapters[self.base_name])}
        else:
            if self.base_name in self.chat.adapters:
                raise UsageError(f"--adapters {self.base_name}=...: the name is the base model's; pick another "
                                 f"name or set --served_model_name")
            self.names = {self.base_name: BASE, **{name: name for name in self.chat.adapters}}
            self.roots = {self.base_name: str(self.chat.model_dir),
                          **{k: str(v) for k, v in self.chat.adapters.items()}}
        config = getattr(self.chat.model, "config", None)
        self.max_model_len = cfg.serve.max_model_len or getattr(config, "max_position_embeddings", None) or 2048
        self.vocab = getattr(config, "vocab_size", None) or len(self.chat.tokenizer)
        self.defaults = GenParams.from_args(cfg.generation)
        self.max_n = cfg.serve.max_batch_size
        self.batcher = Batcher(self.chat, cfg.serve.max_batch_size, cfg.serve.batch_wait_ms)
        self.created = int(time.time())

    def card(self, name: str) -> dict:
        card = {"id": name, "object": "model", "created": self.created, "owned_by": "yichui", "root": self.roots[name]}
        if name != self.base_name:
            card["parent"] = self.base_name
        return card

    def lookup(self, body: dict) -> tuple[str, str]:
        name = served_model(body, self.names)
        return name, self.names[name]

    def chat_prompt(self, body: dict) -> list[int]:
        from swift_cli.engine.data.encode import prompt_ids

        messages = messages_of(body, images=bool(self.chat.vl))
        if self.chat.vl:  # image_url parts (URL or base64): token ids carrying their pixels (engine.vl.serve)
            from swift_cli.engine.vl.serve import vision_prompt

            return vision_prompt(self.chat, messages)
        try:
            return prompt_ids(self.chat.tokenizer, self.chat.with_system(messages))
        except Exception as exc:  # noqa: BLE001 - a template that refuses these messages is a bad request
            raise bad("messages", f"the chat template cannot render these messages: {exc}") from None

    def encode_text(self, text: str) -> list[int]:
        """A /v1/completions text prompt as token ids (backends with their own tokenizer override this)."""
        return self.chat.tokenizer(text)["input_ids"]

    def text_prompts(self, body: dict) -> list[list[int]]:
        out = []
        for p in prompts_of(body):
            ids = self.encode_text(p) if isinstance(p, str) else p
            if not ids:
                raise bad("prompt", "prompt is empty")
            if any(t < 0 or t >= self.vocab for t in ids):
                raise bad("prompt", f"token ids must be in [0, {self.vocab})")
            out.append(ids)
        return out

    async def respond(self, chat: bool, model: str, adapter: str, prompts: list[list[int]], dec, sampling):
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()

        def emit(event):
            try:
                loop.call_soon_threadsafe(events.put_nowait, event)
            except RuntimeError:  # the loop is gone (shutdown)
                pass

        jobs = [Job(ids, sampling, adapter, dec.n, dec.stream, emit, first_index=i * dec.n)
                for i, ids in enumerate(prompts)]
        for job in jobs:
            self.batcher.submit(job)
        head = {"id": f"{'chatcmpl' if chat else 'cmpl'}-{uuid.uuid4().hex}", "created": int(time.time()),
                "model": model}
        total, prompt_tokens = len(jobs) * dec.n, sum(len(p) for p in prompts)
        if dec.stream:
            return StreamingResponse(self._sse(chat, head, jobs, events, total, prompt_tokens, dec.include_usage),
                                     media_type="text/event-stream")
        results = {}
        try:
            while len(results) < total:
                event = await events.get()
                if event[0] == "error":
                    raise ApiError(500, event[1], type="server_error", code="generation_failed")
                if event[0] == "done":
                    results[event[1].index] = event[1]
        finally:
            for job in jobs:
                job.cancelled = len(results) < total
        choices = []
        for i in range(total):
            r = results[i]
            body = {"message": {"role": "assistant", "content": r.text}} if chat else {"text": r.text}
            choices.append({"index": i, **body, "logprobs": None, "finish_reason": r.finish_reason})
        completion = sum(r.completion_tokens for r in results.values())
        return {**head, "object": "chat.completion" if chat else "text_completion", "choices": choices,
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
                          "total_tokens": prompt_tokens + completion}}

    async def _sse(self, chat, head, jobs, events, total, prompt_tokens, include_usage):
        obj = "chat.completion.chunk" if chat else "text_completion"

        def chunk(index, text=None, finish=None, role=False):
            if chat:
                delta = {"role": "assistant", "content": ""} if role else ({"content": text} if text else {})
                choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
            else:
                choice = {"index": index, "text": text or "", "logprobs": None, "finish_reason": finish}
            return f"data: {json.dumps({**head, 'object': obj, 'choices': [choice]}, ensure_ascii=False)}\n\n"

        finished, completion = 0, 0
        try:
            if chat:
                for i in range(total):
                    yield chunk(i, role=True)
            while finished < total:
                event = await events.get()
                if event[0] == "error":
                    err = ApiError(500, event[1], type="server_error", code="generation_failed")
                    yield f"data: {json.dumps(err.body())}\n\n"
                    break
                if event[0] == "delta":
                    yield chunk(event[1], text=event[2])
                else:
                    finished += 1
                    completion += event[1].completion_tokens
                    yield chunk(event[1].index, finish=event[1].finish_reason)
            if include_usage and finished == total:
                usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
                         "total_tokens": prompt_tokens + completion}
                yield f"data: {json.dumps({**head, 'object': obj, 'choices': [], 'usage': usage})}\n\n"
            yield "data: [DONE]\n\n"
        finally:
            for job in jobs:
                job.cancelled = finished < total  # client went away: stop spending forward passes on it


def build_app(engine: Engine, api_key: str | None):
    app = FastAPI(title="yichui", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(ApiError)
    async def _api_error(request, exc: ApiError):
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(HTTPException)
    async def _http_error(request, exc: HTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        err = ApiError(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}", code=code)
        return JSONResponse(err.body(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request, exc):
        return JSONResponse(ApiError(400, str(exc)).body(), status_code=400)

    @app.exception_handler(Exception)
    async def _server_error(request, exc):
        err = ApiError(500, f"internal error: {type(exc).__name__}", type="server_error", code="internal_error")
        return JSONResponse(err.body(), status_code=500)

    async def check_key(request: Request):
        if not api_key:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), api_key.encode()):
            raise ApiError(401, "Incorrect API key provided. Send 'Authorization: Bearer KEY'.",
                           code="invalid_api_key")

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(check_key)])

    @app.get("/health")
    async def health():
        return {"status": "ok"}

    @v1.get("/models")
    async def models():
        return {"object": "list", "data": [engine.card(name) for name in engine.names]}

    @v1.get("/models/{name:path}")
    async def model(name: str):
        if name not in engine.names:
            raise ApiError(404, f"The model '{name}' does not exist", param="model", code="model_not_found")
        return engine.card(name)

    if hasattr(engine, "add_routes"):  # an encoder task model (serve/tasks.py): its own routes, no generation
        engine.add_routes(v1)
    else:
        generation_routes(v1, engine)
    app.include_router(v1)
    return app


def generation_routes(v1, engine) -> None:
    """POST /v1/chat/completions and /v1/completions of a generating engine."""
    @v1.post("/chat/completions")
    async def chat_completions(request: Request):
        body = parse_json(await request.body())
        name, adapter = engine.lookup(body)
        dec = decoding(body, engine.defaults, engine.max_n)
        ids = engine.chat_prompt(body)
        return await engine.respond(True, name, adapter, [ids], dec, fit_context(len(ids), dec, engine.max_model_len))

    @v1.post("/completions")
    async def completions(request: Request):
        body = parse_json(await request.body())
        name, adapter = engine.lookup(body)
        dec = decoding(body, engine.defaults, engine.max_n)
        prompts = engine.text_prompts(body)
        sampling = [fit_context(len(p), dec, engine.max_model_len, "prompt") for p in prompts]
        sampling = min(sampling, key=lambda s: s.max_new_tokens)
        return await engine.respond(False, name, adapter, prompts, dec, sampling)


def bind(host: str, port: int, cfg=None) -> socket.socket:
    """Bind before loading the model, so a busy port fails in a second with one line (exit 9 with the same command
    on a free port when the port is taken)."""
    try:
        sock = listen(host, port, backlog=2048)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            from swift_cli.engine.hints import port_in_use

            raise port_in_use(host, port, cfg) from None
        raise UsageError(f"--host {host} --port {port}: cannot listen ({exc.strerror or exc})") from None
    sock.set_inheritable(True)
    return sock


def serve(cfg, engine_class=None) -> int:
    """Load the model (pt Engine, or `engine_class` such as llama.cpp's), serve until SIGTERM / Ctrl-C, exit 0."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):  # shut down gracefully and exit 0 (uvicorn would re-raise the signal)
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

    api_key = cfg.serve.api_key or os.environ.get("YICHUI_API_KEY") or None
    sock = bind(cfg.serve.host, cfg.serve.port, cfg)
    from swift_cli.engine.models import pick_device
    from swift_cli.engine.monitor import Monitor

    # A live RAM/GPU line while the weights load (on a terminal), and what the load took.
    with Monitor(device=pick_device(False), label="loading") as loading:
        engine = (engine_class or Engine)(cfg)
    app = build_app(engine, api_key)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    device = engine.device if hasattr(engine, "device") else engine.chat.device
    print(f"serving {', '.join(engine.names)} at http://{shown}:{port}/v1 ({cfg.backend.infer_backend} backend on {device}, "
          f"batches up to {cfg.serve.max_batch_size}, context {engine.max_model_len}"
          f"{', API key required' if api_key else ''}); {loading.summary_line()}", flush=True)
    server = Server(uvicorn.Config(app, log_level="info" if cfg.serve.log_requests else "warning",
                                   access_log=cfg.serve.log_requests, timeout_graceful_shutdown=5, lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        engine.close() if hasattr(engine, "close") else engine.batcher.stop()
    b = getattr(engine, "batcher", None)
    if b is None:
        print("server stopped", file=sys.stderr, flush=True)
    else:
        print(f"server stopped ({b.rows_run} sequences generated in {b.batches} batches, largest {b.largest})",
              file=sys.stderr, flush=True)
    return 0
