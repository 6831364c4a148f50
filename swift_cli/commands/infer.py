"""`swift infer`: one answer (--query), a chat (terminal or piped stdin), or a dataset (--val_dataset)."""
from __future__ import annotations

import sys
from dataclasses import dataclass

from swift_cli.options.compat import compat_group
from swift_cli.commands._common import parse
from swift_cli.errors import RequirementError, UsageError
from swift_cli.options.groups import BackendArgs, GenerationArgs, InferArgs, MergeArgs, ModelArgs
from swift_cli.options.tasks import ENCODER_TASKS, TaskArgs
from swift_cli.options.vision import ImageInputArgs

SUMMARY = "Greedy (or sampled) answers from a model, optionally with LoRA adapters (one is merged at load)."


MsInferArgs = compat_group("infer", ModelArgs, GenerationArgs, InferArgs, BackendArgs, MergeArgs, ImageInputArgs,
                           TaskArgs)


@dataclass(frozen=True)
class InferConfig:
    model: ModelArgs
    generation: GenerationArgs
    infer: InferArgs
    backend: BackendArgs
    merge: MergeArgs
    image: ImageInputArgs
    tasks: TaskArgs
    ms: MsInferArgs


def main(argv: list[str], prog: str = "swift infer") -> int:
    _, cfg = parse(InferConfig, argv, prog, SUMMARY)
    from swift_cli.engine.tasks import infer as task_infer

    if task_infer.task_of(cfg.model, cfg.tasks) in ENCODER_TASKS:  # classify / embed / rerank
        return task_infer.main(cfg)
    from swift_cli.engine.generate import ChatModel, GenParams
    from swift_cli.engine.serve.choose import choose_backend

    backend = choose_backend(cfg)
    if backend == "vllm":
        raise RequirementError("--infer_backend vllm: swift infer answers with pt or llamacpp here; vLLM serves "
                               "through `swift deploy --infer_backend vllm` on a CUDA machine with the 'vllm' extra")
    if not cfg.image.images and backend == "llamacpp":
        return _llamacpp(cfg)
    from swift_cli.engine.generate import should_merge
    from swift_cli.engine.models import parse_adapters

    chat = ChatModel(cfg.model, max_pixels=cfg.image.max_pixels,
                     merge=should_merge(cfg.merge.merge_lora, parse_adapters(cfg.model.adapters)))
    params = GenParams.from_args(cfg.generation, cfg.infer.seed)
    if cfg.image.images and not chat.vl:
        raise UsageError(f"--images: {chat.model_dir} is not a vision-language model (no vision_config)")
    if cfg.infer.query is not None:
        from swift_cli.engine.vl.generate import image_message

        message = image_message(cfg.infer.query, cfg.image.images) if cfg.image.images else \
            {"role": "user", "content": cfg.infer.query}
        text, _, _ = chat.generate([message], params)
        print(text)
        return 0
    if cfg.infer.val_dataset:
        from swift_cli.engine.batch_infer import answer_datasets

        return answer_datasets(chat, params, cfg.infer.val_dataset, cfg.infer.result_path)
    return _chat_loop(chat, params, cfg.infer.max_length, cfg.generation.stream)


def _llamacpp(cfg) -> int:
    """`--infer_backend llamacpp`: --query, --val_dataset or the chat, from the GGUF (converted once from a HF
    folder)."""
    from swift_cli.extras import require_extra

    require_extra("llamacpp", flag="--infer_backend llamacpp")
    from swift_cli.engine.generate import GenParams
    from swift_cli.engine.serve.gguf_cache import gguf_for
    from swift_cli.engine.serve.llamacpp import GgufChat

    chat = GgufChat(gguf_for(cfg.model), cfg.infer.max_length, cfg.model.system).think(cfg.model.enable_thinking)
    params = GenParams.from_args(cfg.generation, cfg.infer.seed)
    if cfg.infer.query is not None:
        print(chat.generate([{"role": "user", "content": cfg.infer.query}], params)[0])
        return 0
    if cfg.infer.val_dataset:
        from swift_cli.engine.batch_infer import answer_datasets

        return answer_datasets(chat, params, cfg.infer.val_dataset, cfg.infer.result_path)
    return _chat_loop(chat, params, cfg.infer.max_length, cfg.generation.stream)


def _fit_history(chat, history: list[dict], max_length: int, reserve: int) -> list[dict]:
    """Drop the oldest exchanges until the prompt plus the reserved answer fits max_length."""
    from swift_cli.engine.data.encode import prompt_ids

    def length(messages):
        if hasattr(chat, "prompt_tokens"):  # the GGUF: its own template and vocabulary
            return chat.prompt_tokens(messages)
        return len(prompt_ids(chat.tokenizer, chat.with_system(messages)))

    while len(history) > 1 and length(history) + reserve > max_length:
        history = history[2:] if len(history) > 2 else history[-1:]
    return history


def _chat_loop(chat, params, max_length: int, stream: bool) -> int:
    """Multi-turn chat; streams on a terminal, works with piped stdin (exit 0 at end of input)."""
    interactive = sys.stdin.isatty()
    history: list[dict] = []
    pending: list[str] = []  # /image PATH: images attached to the next message
    if interactive:
        print("chat: /clear resets the history, /exit quits" + (", /image PATH attaches an image" if chat.vl else ""))
    while True:
        if interactive:
            print("<<< ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        query = line.strip()
        if not query:
            continue
        if query in ("/exit", "/quit", "exit"):
            return 0
        if query == "/clear":
            history, pending = [], []
            continue
        if query.startswith("/image"):
            pending += _image_command(chat, query)
            continue
        from swift_cli.engine.vl.generate import image_message

        turn = image_message(query, pending) if pending else {"role": "user", "content": query}
        pending = []
        history = _fit_history(chat, history + [turn], max_length,
                               min(params.max_new_tokens, max_length // 2))
        if interactive and stream:
            from swift_cli.engine.generate import clean_streamer

            print(">>> ", end="", flush=True)
            streamer = chat.printer() if hasattr(chat, "printer") else clean_streamer(chat.tokenizer)
            text, _, _ = chat.generate(history, params, streamer=streamer)
        else:
            text, _, _ = chat.generate(history, params)
            print(f">>> {text}" if interactive else text, flush=True)
        history.append({"role": "assistant", "content": text})


def _image_command(chat, line: str) -> list[str]:
    """`/image PATH|URL`: the image for the next message (checked now, so a typo is caught at once)."""
    from swift_cli.engine.vl.images import ImageError, resolve

    ref = line[len("/image"):].strip()
    if not chat.vl:
        print(f"error: /image: {chat.model_dir} is not a vision-language model", file=sys.stderr)
        return []
    try:
        resolve(ref, None)
    except ImageError as exc:
        print(f"error: /image: {exc}", file=sys.stderr)
        return []
    return [ref]
