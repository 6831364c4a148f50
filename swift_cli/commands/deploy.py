"""`swift deploy`: an OpenAI-compatible API for a model and its LoRA adapters (pt backend or vLLM)."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.options.compat import compat_group
from swift_cli.commands._common import fail_on, parse
from swift_cli.engine.serve.options import ServeArgs
from swift_cli.options.groups import BackendArgs, GenerationArgs, MergeArgs, ModelArgs
from swift_cli.options.tasks import ENCODER_TASKS, TaskArgs

SUMMARY = ("OpenAI-compatible server: GET /v1/models, POST /v1/chat/completions and /v1/completions, GET /health "
           "(--task_type embedding: /v1/embeddings; reranker: /v1/rerank; seq_cls: /v1/classify). "
           "The base model and every --adapters NAME=PATH are served by name. Generation flags are the "
           "defaults for requests that do not set them.")


MsDeployArgs = compat_group("deploy", ModelArgs, GenerationArgs, ServeArgs, BackendArgs, MergeArgs, TaskArgs)


@dataclass(frozen=True)
class DeployConfig:
    model: ModelArgs
    generation: GenerationArgs
    serve: ServeArgs
    backend: BackendArgs
    tasks: TaskArgs
    merge: MergeArgs
    ms: MsDeployArgs


def problems(cfg: DeployConfig) -> list[str]:
    s, out = cfg.serve, []
    if not 0 <= s.port <= 65535:
        out.append(f"--port {s.port}: must be in 0..65535 (0 picks a free port)")
    if s.max_batch_size < 1:
        out.append(f"--max_batch_size {s.max_batch_size}: must be >= 1")
    if s.batch_wait_ms < 0:
        out.append(f"--batch_wait_ms {s.batch_wait_ms}: must be >= 0")
    if s.max_model_len is not None and s.max_model_len < 2:
        out.append(f"--max_model_len {s.max_model_len}: must be >= 2")
    if not 0 < s.gpu_memory_utilization <= 1:
        out.append(f"--gpu_memory_utilization {s.gpu_memory_utilization}: must be in (0, 1]")
    if s.tensor_parallel_size < 1:
        out.append(f"--tensor_parallel_size {s.tensor_parallel_size}: must be >= 1")
    if cfg.generation.max_new_tokens < 1:
        out.append(f"--max_new_tokens {cfg.generation.max_new_tokens}: must be >= 1")
    if s.served_model_name is not None and not s.served_model_name.strip():
        out.append("--served_model_name: must not be empty")
    return out


def main(argv: list[str], prog: str = "swift deploy") -> int:
    _, cfg = parse(DeployConfig, argv, prog, SUMMARY)
    fail_on(problems(cfg))
    from swift_cli.engine.tasks.infer import task_of

    if (kind := task_of(cfg.model, cfg.tasks)) in ENCODER_TASKS:  # /v1/embeddings, /v1/rerank, /v1/classify
        if cfg.backend.infer_backend not in ("pt", "transformers"):
            fail_on([f"--infer_backend {cfg.backend.infer_backend}: --task_type {kind} is served by the pt backend "
                     "here"])
        from swift_cli.engine.serve.server import serve
        from swift_cli.engine.serve.tasks import TaskEngine

        return serve(cfg, TaskEngine)
    from swift_cli.engine.serve.choose import choose_backend, with_backend

    cfg = with_backend(cfg, choose_backend(cfg))
    if cfg.backend.infer_backend == "vllm":
        from swift_cli.engine.serve.vllm import launch

        return launch(cfg)
    from swift_cli.engine.serve.server import serve

    if cfg.backend.infer_backend == "llamacpp":
        from swift_cli.extras import require_extra

        require_extra("llamacpp", flag="--infer_backend llamacpp")
        from swift_cli.engine.serve.llamacpp import LlamaEngine

        return serve(cfg, LlamaEngine)

    return serve(cfg)
