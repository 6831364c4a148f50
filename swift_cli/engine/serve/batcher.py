"""Request batching for the pt backend: concurrent requests share `model.generate` calls.

A background thread takes pending jobs, waits a few milliseconds for more, and runs one left-padded
`generate` for the jobs that can share it: same adapter and same decoding (greedy jobs always share;
sampling jobs share when temperature/top_p/top_k match; a seeded sampling job runs alone so its seed
reproduces). Each row keeps its own max_tokens and stop strings: a stopping criterion appends every
new token to its row, decides when that row is finished (EOS, max_tokens, a stop string) and streams
the row's text; finished rows stop costing decisions and the batch ends when all rows are done.
Greedy rows decode exactly as a single request does (the attention mask hides the padding).
"""
from __future__ import annotations

import itertools
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable

from swift_cli.engine.generate import GenParams, complete_chars


def batch_key(sampling: GenParams, adapter: str, unique: int) -> tuple:
    """Requests with equal keys can share one generate call: greedy ones always, seeded ones never."""
    if sampling.temperature <= 0:
        return (adapter, "greedy", sampling.repetition_penalty)
    if sampling.seed is not None:
        return (adapter, "seeded", unique)
    return (adapter, "sample", sampling.temperature, sampling.top_p, sampling.top_k, sampling.repetition_penalty)


@dataclass
class Result:
    index: int
    text: str
    finish_reason: str  # "stop" or "length"
    completion_tokens: int


class Row:
    """One sequence being generated (a request with n=3 has three rows)."""

    def __init__(self, job: "Job", index: int):
        self.job, self.index = job, index
        self.tokens: list[int] = []
        self.sent = 0  # characters already streamed
        self.done = False


class Job:
    """One prompt with its n rows; `emit` receives ("delta", index, text), ("done", Result) or ("error", msg)."""

    _ids = itertools.count()

    def __init__(self, prompt_ids: list[int], sampling: GenParams, adapter: str, n: int, stream: bool,
                 emit: Callable[[tuple], None], first_index: int = 0):
        self.prompt_ids, self.sampling, self.adapter = prompt_ids, sampling, adapter
        self.stream, self.emit = stream, emit
        unique = next(self._ids)
        # a prompt with images (engine.vl.serve.VisionPrompt) runs alone: its pixels belong to it
        self.key = ("vision", unique) if getattr(prompt_ids, "vision", None) else batch_key(sampling, adapter, unique)
        self.rows = [Row(self, first_index + i) for i in range(n)]
        self.cancelled = False


class Batcher:
    """Owns the model: only its thread calls `generate`."""

    def __init__(self, chat, max_batch_size: int = 16, wait_ms: float = 20.0):
        self.chat, self.max_rows, self.wait_s = chat, max_batch_size, wait_ms / 1000.0
        tok = chat.tokenizer
        self.eos = {tok.eos_token_id} if tok.eos_token_id is not None else set()
        self._q: queue.Queue[Job] = queue.Queue()
        self._stopped = threading.Event()
        self.batches = 0  # statistics: generate calls and rows they carried
        self.rows_run = 0
        self.largest = 0  # the most rows one call carried (never above max_batch_size)
        self._thread = threading.Thread(target=self._loop, name="batcher", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        self._q.put(job)

    def stop(self) -> None:
        self._stopped.set()

    # -- the batching loop -------------------------------------------------------------------------
    def _loop(self) -> None:
        pending: list[Job] = []
        while not self._stopped.is_set():
            if not pending:
                try:
                    pending.append(self._q.get(timeout=0.2))
                except queue.Empty:
                    continue
            deadline = time.monotonic() + self.wait_s
            while sum(len(j.rows) for j in pending) < self.max_rows:
                left = deadline - time.monotonic()
                try:
                    pending.append(self._q.get(timeout=left) if left > 0 else self._q.get_nowait())
                except queue.Empty:
                    break
            pending = [j for j in pending if not j.cancelled]
            if not pending:
                continue
            batch, rest, size = [], [], 0
            for job in pending:
                if job.key == pending[0].key and size + len(job.rows) <= self.max_rows:
                    batch.append(job)
                    size += len(job.rows)
                else:
                    rest.append(job)
            pending = rest
            self._run(batch)

    def _run(self, jobs: list[Job]) -> None:
        try:
            self._generate(jobs)
        except Exception as exc:  # noqa: BLE001 - a failed batch answers its requests, the server lives on
            msg = f"generation failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            for job in jobs:
                job.emit(("error", msg))

    def _generate(self, jobs: list[Job]) -> None:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        rows = [r for j in jobs for r in j.rows]
        width = max(len(j.prompt_ids) for j in jobs)
        pad = self.chat.tokenizer.pad_token_id
        ids = [[pad] * (width - len(r.job.prompt_ids)) + r.job.prompt_ids for r in rows]
        mask = [[0] * (width - len(r.job.prompt_ids)) + [1] * len(r.job.prompt_ids) for r in rows]
        s = jobs[0].sampling
        params = GenParams(max_new_tokens=max(j.sampling.max_new_tokens for j in jobs), temperature=s.temperature,
                           top_p=s.top_p, top_k=s.top_k, repetition_penalty=s.repetition_penalty, seed=s.seed)
        batcher = self

        class RowsDone(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                for row, token in zip(rows, input_ids[:, -1].tolist()):
                    if not row.done:
                        batcher._step(row, token)
                return torch.tensor([r.done for r in rows], device=input_ids.device)

        if s.seed is not None:
            torch.manual_seed(s.seed)
        device = self.chat.device
        inputs = {"input_ids": torch.tensor(ids, device=device), "attention_mask": torch.tensor(mask, device=device)}
        if self.chat.vl:
            from swift_cli.engine.vl.serve import vision_inputs

            inputs.update(vision_inputs(self.chat, jobs, inputs))
        with torch.no_grad(), self.chat._adapter_scope(jobs[0].adapter):
            self.chat.model.generate(**inputs, stopping_criteria=StoppingCriteriaList([RowsDone()]),
                                     **self.chat._kwargs(params))
        self.batches += 1
        self.rows_run += len(rows)
        self.largest = max(self.largest, len(rows))
        for row in rows:
            if not row.done:  # generate ended (e.g. a global length limit) before the row decided
                self._finish(row, "length")

    # -- per-row bookkeeping -----------------------------------------------------------------------
    def _decode(self, tokens: list[int]) -> str:
        return self.chat.tokenizer.decode(tokens, skip_special_tokens=True)

    def _step(self, row: Row, token: int) -> None:
        job = row.job
        if job.cancelled:
            row.done = True
            return
        row.tokens.append(token)
        if token in self.eos:
            return self._finish(row, "stop")
        stop = job.sampling.stop
        if stop or job.stream:
            text = self._decode(row.tokens)
            if any(s in text for s in stop):
                return self._finish(row, "stop")
        if len(row.tokens) >= job.sampling.max_new_tokens:
            return self._finish(row, "length")
        if job.stream:
            safe = len(text) - (max(map(len, stop)) - 1 if stop else 0)
            while safe > row.sent and text[safe - 1] == "\ufffd":  # an incomplete UTF-8 character
                safe -= 1
            if safe > row.sent:
                job.emit(("delta", row.index, text[row.sent:safe]))
                row.sent = safe

    def _finish(self, row: Row, reason: str) -> None:
        row.done = True
        job = row.job
        text = complete_chars(self._decode([t for t in row.tokens if t not in self.eos]))
        cut = [text.index(s) for s in job.sampling.stop if s in text]
        if cut:
            text, reason = text[:min(cut)], "stop"
        if job.stream and len(text) > row.sent:
            job.emit(("delta", row.index, text[row.sent:]))
        job.emit(("done", Result(row.index, text, reason, len(row.tokens))))
