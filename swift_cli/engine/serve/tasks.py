"""`swift deploy` of an encoder task model (engine/tasks): the same server, keys and error shape as the chat
backends, with the routes of its task instead of generation.

- POST /v1/embeddings (embedding): OpenAI's request and response, encoding_format float or base64;
- POST /v1/rerank (rerankers): Jina / Cohere's body {model, query, documents, top_n, return_documents};
- POST /v1/classify (seq_cls): {model, input} -> per input its label and probabilities;
- POST /v1/chat/completions: what ms-swift's deploy answers for these tasks: seq_cls, the label as the content
  (probabilities in `probs`); rerankers, the score of [user query, assistant document]; embedding, the
  embedding response of the conversation."""
from __future__ import annotations

import asyncio
import base64
import struct
import threading
import time
import uuid
from pathlib import Path

from fastapi import Request

from swift_cli.engine.serve.protocol import ApiError, bad, messages_of, parse_json, served_model

ROUTES = {"embedding": ("embeddings",), "seq_cls": ("classify",), "reranker": ("rerank",),
          "generative_reranker": ("rerank",)}


class TaskEngine:
    """The loaded task model under its API name (the base's, or --served_model_name; adapter names too)."""

    def __init__(self, cfg):
        from swift_cli.engine.generate import resolve_for_inference
        from swift_cli.engine.tasks import predict

        self.tm = predict.load(cfg.model, cfg.tasks, use_cpu=cfg.serve.use_cpu,
                               max_length=cfg.serve.max_model_len or 2048)
        model = resolve_for_inference(cfg.model)[0]
        self.base_name = cfg.serve.served_model_name or Path(str(model).rstrip("/")).name
        from swift_cli.engine.models import parse_adapters

        self.names = {self.base_name: None, **{name: None for name in parse_adapters(cfg.model.adapters)}}
        self.kind, self.device = self.tm.rule.task_type, self.tm.device
        self.max_model_len = self.tm.max_length
        self.activation = bool(getattr(cfg.ms, "reranker_use_activation", True))
        self.created = int(time.time())
        self.lock = threading.Lock()

    def card(self, name: str) -> dict:
        return {"id": name, "object": "model", "created": self.created, "owned_by": "yichui", "task": self.kind}

    def close(self) -> None:
        pass

    def lookup(self, body: dict) -> str:
        return served_model(body, self.names)

    async def run(self, fn, *args):
        def locked():
            with self.lock:
                return fn(*args)

        return await asyncio.to_thread(locked)

    def route(self, path: str):
        if path != "chat/completions" and path not in ROUTES[self.kind]:
            served = "/v1/" + ROUTES[self.kind][0]
            raise ApiError(404, f"POST /v1/{path}: this server runs a {self.kind} model; its route is {served}",
                           code="not_found")

    def tokens(self, texts: list[str]) -> int:
        return sum(len(self.tm.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts)

    def add_routes(self, v1) -> None:
        def endpoint(path: str, handler):
            async def call(request: Request):
                self.route(path)
                body = parse_json(await request.body())
                return await handler(self.lookup(body), body)
            return call

        for path, handler in (("embeddings", self.embeddings), ("rerank", self.rerank), ("classify", self.classify)):
            v1.add_api_route(f"/{path}", endpoint(path, handler), methods=["POST"])
        v1.add_api_route("/chat/completions", endpoint("chat/completions", self.chat), methods=["POST"])

    async def embeddings(self, name: str, body: dict) -> dict:
        texts = _inputs(body, self.tm.tokenizer)
        fmt = body.get("encoding_format") or "float"
        if fmt not in ("float", "base64"):
            raise bad("encoding_format", f"encoding_format must be float or base64, got {fmt!r}")
        vecs = await self.run(self.tm.embed, [[{"role": "user", "content": t}] for t in texts])
        dims = body.get("dimensions")
        if dims is not None and (not isinstance(dims, int) or not 0 < dims <= vecs.shape[1]):
            raise bad("dimensions", f"dimensions must be an integer in 1..{vecs.shape[1]}")
        data = []
        for i, vec in enumerate(vecs):
            values = [float(v) for v in (vec[:dims] if dims else vec)]
            emb = base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode() if fmt == "base64" else values
            data.append({"object": "embedding", "index": i, "embedding": emb})
        used = self.tokens(texts)
        return {"object": "list", "data": data, "model": name, "usage": {"prompt_tokens": used, "total_tokens": used}}

    async def rerank(self, name: str, body: dict) -> dict:
        query, docs = body.get("query"), body.get("documents")
        if not isinstance(query, str) or not query.strip():
            raise bad("query", "query must be a non-empty string")
        if not isinstance(docs, list) or not docs:
            raise bad("documents", "documents must be a non-empty list of strings (or {\"text\": ...} objects)")
        texts = [d.get("text") if isinstance(d, dict) else d for d in docs]
        if not all(isinstance(t, str) for t in texts):
            raise bad("documents", "every document must be a string or {\"text\": string}")
        top_n = body.get("top_n", len(texts))
        if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
            raise bad("top_n", f"top_n must be a positive integer, got {top_n!r}")
        scores = await self.run(self.tm.scores, [{"role": "user", "content": query}],
                                [[{"role": "assistant", "content": t}] for t in texts], self.activation)
        order = sorted(range(len(texts)), key=lambda i: -scores[i])[:top_n]
        keep = body.get("return_documents", True)
        results = [{"index": i, "relevance_score": scores[i], **({"document": {"text": texts[i]}} if keep else {})}
                   for i in order]
        used = self.tokens([query, *texts])
        return {"id": f"rerank-{uuid.uuid4().hex}", "model": name, "object": "list", "results": results,
                "usage": {"prompt_tokens": used, "total_tokens": used}}

    async def classify(self, name: str, body: dict) -> dict:
        texts = _inputs(body, self.tm.tokenizer)
        preds = await self.run(self.tm.classify, [[{"role": "user", "content": t}] for t in texts])
        used = self.tokens(texts)
        return {"id": f"classify-{uuid.uuid4().hex}", "object": "list", "model": name,
                "data": [{"index": i, **p} for i, p in enumerate(preds)],
                "usage": {"prompt_tokens": used, "total_tokens": used}}

    async def chat(self, name: str, body: dict) -> dict:
        messages = messages_of(body)
        if self.kind == "embedding":
            vecs = await self.run(self.tm.embed, [messages])
            return {"object": "list", "model": name,
                    "data": [{"object": "embedding", "index": 0, "embedding": [float(v) for v in vecs[0]]}]}
        if self.kind == "seq_cls":
            pred = (await self.run(self.tm.classify, [messages]))[0]
            content, extra = str(pred["label"]), {"probs": pred.get("probs")}
        else:
            if len(messages) < 2 or messages[-1]["role"] != "assistant":
                raise bad("messages", "a reranker scores [..., user query, assistant document]: end with the "
                          "document as an assistant message")
            score = (await self.run(self.tm.scores, messages[:-1], [messages[-1:]], self.activation))[0]
            content, extra = str(score), {}
        return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
                "model": name, "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                            "logprobs": None, "finish_reason": "stop", **extra}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}


def _inputs(body: dict, tokenizer) -> list[str]:
    """OpenAI's `input`: a string, a list of strings, token ids or lists of token ids (decoded to text)."""
    value = body.get("input")
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and value and all(isinstance(t, int) for t in value):
        value = [value]
    if not isinstance(value, list) or not value:
        raise bad("input", "input must be a string, a list of strings or token ids", "invalid_type")
    out = []
    for item in value:
        if isinstance(item, list) and item and all(isinstance(t, int) and not isinstance(t, bool) for t in item):
            item = tokenizer.decode(item)
        if not isinstance(item, str) or not item:
            raise bad("input", "every input must be a non-empty string or list of token ids", "invalid_type")
        out.append(item)
    return out
