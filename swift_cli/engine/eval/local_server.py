"""Our own OpenAI-compatible server (swift deploy's pt or llama.cpp engine), started once per `swift eval` run in a thread
on a free local port, so EvalScope scores the model through the same path as `--eval_url` does."""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LocalServerConfig:
    """The groups swift deploy's Engine reads (model, generation defaults, serve settings)."""

    model: object
    generation: object
    serve: object
    merge: object
    need_base: bool = False  # the base is scored too (--eval_base): the adapters stay unmerged


class LocalServer:
    """Context manager: load the model once, serve it on 127.0.0.1:<free port>, stop on exit."""

    def __init__(self, model_args, max_batch_size: int, merge=None, need_base: bool = False, backend: str = "pt"):
        from swift_cli.engine.serve.options import ServeArgs
        from swift_cli.options.groups import GenerationArgs, MergeArgs

        self.api_key = secrets.token_urlsafe(16)  # the port is local, but other local users need not share it
        self.cfg = LocalServerConfig(model_args, GenerationArgs(),
                                     ServeArgs(port=0, max_batch_size=max_batch_size, log_requests=False),
                                      merge or MergeArgs(), need_base)
        self.engine, self.backend = None, backend
        self.loads = 0  # how many times the weights were loaded (1 per run; shown in the summary)
        self._server = self._thread = None

    def __enter__(self):
        import uvicorn

        from swift_cli.engine.serve.server import Engine, bind, build_app

        sock = bind("127.0.0.1", 0)
        if self.backend == "llamacpp":  # the GGUF (converted once from a HF folder), same server and routes
            from swift_cli.engine.serve.llamacpp import LlamaEngine

            self.engine = LlamaEngine(self.cfg)
        else:
            self.engine = Engine(self.cfg)
        self.loads += 1
        self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(uvicorn.Config(build_app(self.engine, self.api_key), log_level="error",
                                                     access_log=False, lifespan="off", timeout_graceful_shutdown=1))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name="eval-server")
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the local evaluation server did not start")
            time.sleep(0.05)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def names(self) -> dict:
        """API model name -> adapter (the base model first)."""
        return dict(self.engine.names)

    @property
    def base_name(self) -> str:
        return self.engine.base_name

    def shutdown(self) -> None:
        """Stop serving: requests in flight fail at once, so an interrupted evaluation ends promptly."""
        if self._server is not None:
            self._server.should_exit = True
        if self.engine is not None:
            self.engine.batcher.stop()

    def __exit__(self, *exc) -> None:
        self.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)
