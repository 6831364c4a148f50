"""Causal LM → ONNX with past key values (torch.onnx, dynamo exporter), run back with onnxruntime."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

ONNX_FILE = "model.onnx"


def _dims(config) -> tuple[int, int, int]:
    n_layers = config.num_hidden_layers
    n_kv = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    return n_layers, n_kv, head_dim


def past_names(n_layers: int) -> list[str]:
    return [f"past_key_values.{i}.{k}" for i in range(n_layers) for k in ("key", "value")]


def export_onnx(model, out_dir: Path, opset: int, with_past: bool) -> dict:
    """Write model.onnx (+ external data) into out_dir; inputs input_ids, attention_mask[, past_key_values.*]."""
    import torch
    from torch.export import Dim

    n_layers, n_kv, head_dim = _dims(model.config)
    wrapper = _WithPast(model, n_layers).eval() if with_past else _NoPast(model).eval()
    ids = torch.tensor([[5, 6, 7, 8]])
    seq, total, past = Dim("sequence"), Dim("total_sequence"), Dim("past_sequence")
    names = past_names(n_layers) if with_past else []
    pasts = tuple(torch.randn(1, n_kv, 3, head_dim) for _ in names)
    mask = torch.ones(1, ids.shape[1] + (3 if with_past else 0), dtype=torch.long)
    shapes = {"input_ids": {1: seq}, "attention_mask": {1: total}}
    if with_past:
        shapes["past"] = tuple({2: past} for _ in names)
    outputs = ["logits"] + [n.replace("past_key_values", "present") for n in names]
    with _quiet():
        torch.onnx.export(wrapper, (ids, mask, *pasts), str(out_dir / ONNX_FILE),
                          input_names=["input_ids", "attention_mask", *names], output_names=outputs,
                          dynamic_shapes=shapes, dynamo=True, opset_version=opset, external_data=True, verbose=False)
    return {"onnx_opset": opset, "with_past_key_values": with_past, "onnx_inputs": ["input_ids", "attention_mask",
                                                                                    *names]}


@contextlib.contextmanager
def _quiet():
    """The exporter narrates each stage on stdout and warns about torchvision; keep our output to one line."""
    import io
    import logging
    import warnings

    if os.environ.get("YICHUI_DEBUG", "") not in ("", "0", "false"):
        yield
        return
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


class _WithPast:
    """Flat past tensors in, logits + flat present tensors out (DynamicCache built inside the graph)."""

    def __new__(cls, model, n_layers):
        import torch
        from transformers import DynamicCache

        class Wrapper(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, *past):
                cache = DynamicCache(config=self.model.config)
                for i in range(n_layers):
                    cache.update(past[2 * i], past[2 * i + 1], i)
                start = past[0].shape[2]
                positions = torch.arange(input_ids.shape[1]).unsqueeze(0) + start
                out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=positions,
                                 past_key_values=cache, use_cache=True)
                flat = []
                for layer in out.past_key_values.layers:
                    flat += [layer.keys, layer.values]
                return (out.logits, *flat)

        return Wrapper()


class _NoPast:
    def __new__(cls, model):
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask):
                return self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits

        return Wrapper()


class OrtRunner:
    """Greedy decoding and logits through onnxruntime (incremental with the exported past key values)."""

    def __init__(self, onnx_path: Path, config, eos_ids: list[int]):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.n_layers, self.n_kv, self.head_dim = _dims(config)
        self.with_past = len(self.inputs) > 2
        self.eos_ids = eos_ids

    def _run(self, ids: list[int], past: list[np.ndarray] | None, total: int):
        feeds = {"input_ids": np.asarray([ids], dtype=np.int64),
                 "attention_mask": np.ones((1, total), dtype=np.int64)}
        if self.with_past:
            past = past or [np.zeros((1, self.n_kv, 0, self.head_dim), np.float32)] * (2 * self.n_layers)
            feeds.update(zip(self.inputs[2:], past))
        out = self.session.run(None, feeds)
        return out[0][0], out[1:]

    def logits(self, ids: list[int]) -> np.ndarray:
        return self._run(ids, None, len(ids))[0]

    def greedy(self, ids: list[int], n: int) -> tuple[list[int], list[float]]:
        from swift_cli.engine.export.verify import top_margin

        out: list[int] = []
        margins: list[float] = []
        logits, past = self._run(ids, None, len(ids))
        seq = list(ids)
        for _ in range(n):
            nxt = int(logits[-1].argmax())
            margins.append(top_margin(logits[-1]))
            out.append(nxt)
            seq.append(nxt)
            if nxt in self.eos_ids:
                break
            if self.with_past:
                logits, past = self._run([nxt], past, len(seq))
            else:
                logits, _ = self._run(seq, None, len(seq))
        return out, margins
