"""`--infer_backend llamacpp`: our OpenAI server (same routes, errors, streaming) over llama-cpp-python.

The model is a GGUF file; its chat template, BOS/EOS and stop tokens come from the GGUF itself (a GGUF answered
through a foreign template is the usual source of gibberish). Requests run one at a time on llama.cpp's own
threads through the same Job/Result events as the pt batcher, so streaming, stop strings and cutting at UTF-8
character boundaries (no U+FFFD) behave identically.
"""
from __future__ import annotations

import math
import os
import time
from pathlib import Path

from swift_cli.engine.serve.batcher import Batcher, Job
from swift_cli.engine.serve.protocol import bad, messages_of
from swift_cli.engine.serve.server import Engine


class GgufTokenizer:
    """The little of a HF tokenizer the batcher uses, over llama.cpp's vocabulary."""

    def __init__(self, llama):
        self.llama = llama
        self.eos_token_id = llama.token_eos()

    def decode(self, tokens, skip_special_tokens=True) -> str:
        return self.llama.detokenize(list(tokens)).decode("utf-8", errors="replace")

    def __len__(self) -> int:
        return self.llama.n_vocab()


def llama_threads(cpus: int | None = None, load: float | None = None, cores: int | None = None) -> tuple[int, int]:
    """(threads for generation, threads for prompts). YICHUI_LLAMACPP_THREADS sets both. Otherwise generation gets the
    physical cores (`cores`; llama.cpp's own choice; llama-cpp-python's half the logical cores where unknown) and
    prompts every core, both capped by the cores not already busy (the 1-minute load average, rounded, so a machine
    under 0.5 is quiet and uses all its cores): llama.cpp's threads wait for each other at every layer, so one thread
    more than the free cores made a 2-core machine under load 10-20x slower (1.9-4.2 tok/s against 21.8-39.1 with
    one thread, SmolLM2-135M Q4_1, load 6; bench/llamacpp_threads.py, load 2.8-3.4: 1 thread 42-73 tok/s, 2 threads
    2-25); quiet (load 0.2-0.5, same bench) 2 threads 95.6 tok/s median against 69.3 for 1. Asked again before every request (ThreadTuner)."""
    given = int(os.environ.get("YICHUI_LLAMACPP_THREADS", "0") or 0)
    if given > 0:
        return given, given
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if load is None:
        load = load_average()
    if cores is None:
        cores = physical_cores() or cpus // 2
    free = max(1, cpus - int(round(load)))
    return max(1, min(cores, cpus, free)), min(cpus, free)


def physical_cores() -> int | None:
    """Distinct physical cores among the CPUs this process may run on (SMT siblings counted once), from sysfs;
    None where that is not readable."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    seen = set()
    for cpu in os.sched_getaffinity(0):
        topo = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            seen.add((topo / "physical_package_id").read_text().strip() + ":" + (topo / "core_id").read_text().strip())
        except OSError:
            return None
    return len(seen) or None


def load_average() -> float:
    """The 1-minute load average (a read of /proc/loadavg: cheap enough to ask before every request)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


class OwnShare:
    """This process's part of the load average: its CPU seconds per second, averaged as the kernel averages the load
    (exponentially, 1-minute time constant), so a server's own generating is not read as a busy machine."""

    def __init__(self, clock=time.monotonic, cpu=time.process_time):
        self.clock, self.cpu = clock, cpu
        self.t, self.c, self.value = clock(), cpu(), 0.0

    def __call__(self) -> float:
        t, c = self.clock(), self.cpu()
        if t > self.t:
            decay = math.exp(-(t - self.t) / 60)
            self.value = self.value * decay + (c - self.c) / (t - self.t) * (1 - decay)
            self.t, self.c = t, c
        return self.value


def others_load(own: OwnShare) -> float:
    """The 1-minute load average less this process's own share: what the rest of the machine keeps busy."""
    return max(0.0, load_average() - own())


class ThreadTuner:
    """Asks llama_threads again before each request (the load a server starts under is not the load it answers
    under; its own generating is left out) and gives a changed answer to the live llama.cpp context
    (llama_set_n_threads: no reload)."""

    def __init__(self, llama, load=None, cpus: int | None = None):
        own = OwnShare()
        self.llama, self.load, self.cpus = llama, load or (lambda: others_load(own)), cpus
        self.current = (llama.n_threads, llama.n_threads_batch)
        self.changes = 0

    def choose(self) -> tuple[int, int]:
        return llama_threads(self.cpus, self.load())

    def apply(self) -> tuple[int, int]:
        """The (generation, prompt) threads for the next request, set on the context when they changed."""
        want = self.choose()
        if want != self.current:
            import llama_cpp

            llama_cpp.llama_set_n_threads(self.llama.ctx, *want)
            self.llama.n_threads, self.llama.n_threads_batch = want
            self.llama.context_params.n_threads, self.llama.context_params.n_threads_batch = want
            self.current = want
            self.changes += 1
        return want


class GgufChat:
    """What the server and batcher read from `chat`: the model, tokenizer, device and system prompt."""

    vl = None
    adapters: dict = {}
    thinking: bool | None = None  # --enable_thinking, given to the GGUF's template on every render (see think())

    def __init__(self, path: Path, n_ctx: int, system: str | None):
        from llama_cpp import Llama

        threads, batch = llama_threads()
        self.model = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=batch, verbose=False)
        self.threads = ThreadTuner(self.model)
        self.tokenizer = GgufTokenizer(self.model)
        where = f"cpu, llama.cpp, {threads} thread{'s' * (threads > 1)}" + (f" ({batch} for prompts)" if batch != threads else "")
        self.model_dir, self.device, self.system = path, where, system
        meta = self.model.metadata
        self.template = meta.get("tokenizer.chat_template")
        vocab = self.model._model
        self.bos = vocab.token_get_text(self.model.token_bos()) if self.model.token_bos() >= 0 else ""
        self.eos = vocab.token_get_text(self.model.token_eos()) if self.model.token_eos() >= 0 else ""

    def with_system(self, messages: list[dict]) -> list[dict]:
        if self.system and not any(m.get("role") == "system" for m in messages):
            return [{"role": "system", "content": self.system}, *messages]
        return messages

    def render(self, messages: list[dict]) -> str:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        if not self.template:
            raise bad("messages", "this GGUF carries no chat template (tokenizer.chat_template); use /v1/completions")
        fmt = Jinja2ChatFormatter(self.template, eos_token=self.eos, bos_token=self.bos)
        extra = {} if self.thinking is None else {"enable_thinking": self.thinking}
        return fmt(messages=self.with_system(messages), **extra).prompt

    def think(self, enable_thinking: bool | None) -> GgufChat:
        """ms-swift's --enable_thinking for the GGUF's own template (a note when it does not read it)."""
        from swift_cli.engine.models import thinking_applies

        self.thinking = enable_thinking if thinking_applies(self.template, enable_thinking) else None
        return self

    def prompt_tokens(self, messages: list[dict]) -> int:
        return len(self.model.tokenize(self.render(messages).encode("utf-8"), add_bos=False, special=True))

    @staticmethod
    def printer():
        """A streamer for the terminal chat: prints each new piece of text, then a newline at the end."""
        def show(piece: str | None) -> None:
            print(piece if piece is not None else "", end="" if piece is not None else "\n", flush=True)
        return show

    def generate(self, messages: list[dict], params, streamer=None) -> tuple[str, str, int]:
        """One answer (text, finish reason, completion tokens), as ChatModel.generate gives (`swift infer`);
        `streamer(piece)` gets the text as it grows (whole characters, stops held back) and None at the end."""
        from swift_cli.engine.generate import complete_chars

        llama, greedy = self.model, params.temperature <= 0
        self.threads.apply()
        if params.seed is not None:
            llama.set_seed(params.seed)
        ids = llama.tokenize(self.render(messages).encode("utf-8"), add_bos=False, special=True)
        shown = 0
        out, reason = [], "length"
        for token in llama.generate(ids, temp=0.0 if greedy else params.temperature, min_p=0.0,
                                    top_p=1.0 if greedy else params.top_p, top_k=1 if greedy else params.top_k,
                                    repeat_penalty=params.repetition_penalty, reset=True):
            if token == self.tokenizer.eos_token_id:
                reason = "stop"
                break
            out.append(token)
            text = self.tokenizer.decode(out) if params.stop or streamer is not None else ""  # else once, at the end
            if any(stop in text for stop in params.stop) or len(out) >= params.max_new_tokens \
                    or len(ids) + len(out) >= llama.n_ctx():
                reason = "stop" if any(stop in text for stop in params.stop) else reason
                break
            if streamer is not None:
                safe = len(complete_chars(text)) - max((len(s) - 1 for s in params.stop), default=0)
                if safe > shown:
                    streamer(text[shown:safe])
                    shown = safe
        text = complete_chars(self.tokenizer.decode(out))
        cut = [text.index(stop) for stop in params.stop if stop in text]
        text = text[:min(cut)] if cut else text
        if streamer is not None:
            streamer(text[shown:])
            streamer(None)
        return text, reason, len(out)


class LlamaBatcher(Batcher):
    """Runs jobs one row at a time through llama.cpp (its own threads use every core)."""

    def _generate(self, jobs: list[Job]) -> None:
        llama = self.chat.model
        for job in jobs:
            self.chat.threads.apply()  # per request: the load may have changed since the last one
            s = job.sampling
            for row in job.rows:
                if job.cancelled:
                    break
                if s.seed is not None:
                    llama.set_seed(s.seed + row.index)
                greedy = s.temperature <= 0
                gen = llama.generate(list(job.prompt_ids), temp=0.0 if greedy else s.temperature,
                                     top_p=1.0 if greedy else s.top_p, top_k=1 if greedy else s.top_k,
                                     min_p=0.0, repeat_penalty=s.repetition_penalty, reset=True)
                room = llama.n_ctx() - len(job.prompt_ids)
                for token in gen:
                    self._step(row, token)
                    if row.done:
                        break
                    if len(row.tokens) >= room:
                        self._finish(row, "length")
                        break
                gen.close()
                self.batches += 1
                self.rows_run += 1
                self.largest = 1


class LlamaEngine(Engine):
    """The served GGUF under the same API names and routes as the pt backend."""

    def __init__(self, cfg):  # noqa: D107 - replaces Engine's HF loading
        import time

        from swift_cli.engine.generate import BASE, GenParams

        from swift_cli.engine.serve.gguf_cache import gguf_for

        path = gguf_for(cfg.model)
        n_ctx = cfg.serve.max_model_len or 4096
        self.chat = GgufChat(path, n_ctx, cfg.model.system).think(cfg.model.enable_thinking)
        given = Path(str(cfg.model.model or path)).name
        self.base_name = cfg.serve.served_model_name or (path.stem if given.endswith('.gguf') else given)
        from swift_cli.engine.models import parse_adapters

        adapters = parse_adapters(cfg.model.adapters)  # one at most (gguf_for): merged into the GGUF
        if adapters:  # the merged GGUF answers as the adapter; the bare base is not in it
            self.base_name = next(iter(adapters))
        self.names = {self.base_name: BASE}
        self.roots = {self.base_name: str(path)}
        self.max_model_len = self.chat.model.n_ctx()
        self.vocab = self.chat.model.n_vocab()
        self.defaults = GenParams.from_args(cfg.generation)
        self.max_n = cfg.serve.max_batch_size
        self.batcher = LlamaBatcher(self.chat, cfg.serve.max_batch_size, cfg.serve.batch_wait_ms)
        self.created = int(time.time())

    def chat_prompt(self, body: dict) -> list[int]:
        messages = messages_of(body, images=False)
        try:
            text = self.chat.render(messages)
        except Exception as exc:  # noqa: BLE001 - a template that refuses these messages is a bad request
            if getattr(exc, "status", None):
                raise
            raise bad("messages", f"the chat template cannot render these messages: {exc}") from None
        return self.chat.model.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def encode_text(self, text: str) -> list[int]:
        return self.chat.model.tokenize(text.encode("utf-8"), add_bos=False, special=False)
