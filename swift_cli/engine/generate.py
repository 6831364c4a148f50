"""A loaded model (+ adapters) that answers chat messages with transformers' generate."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.engine import models
from swift_cli.engine.data.encode import prompt_ids
from swift_cli.errors import UsageError

BASE = "__base__"  # adapter name meaning "no adapter"


def complete_chars(text: str) -> str:
    """`text` without a trailing incomplete character: byte-level tokenizers decode a multi-byte UTF-8 character
    cut by max_new_tokens (or a stop) as U+FFFD. Only the end is trimmed; a U+FFFD inside the text is kept."""
    return text.rstrip("\ufffd")


def clean_streamer(tokenizer):
    """transformers' TextStreamer for the terminal, without the U+FFFD of a character cut at the end."""
    from transformers import TextStreamer

    class _Clean(TextStreamer):
        def on_finalized_text(self, text: str, stream_end: bool = False):
            super().on_finalized_text(complete_chars(text) if stream_end else text, stream_end)

    return _Clean(tokenizer, skip_prompt=True, skip_special_tokens=True)


@dataclass
class GenParams:
    max_new_tokens: int = 512
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 50
    repetition_penalty: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None

    @classmethod
    def from_args(cls, gen, seed=None) -> "GenParams":
        return cls(gen.max_new_tokens, gen.temperature, gen.top_p, gen.top_k, gen.repetition_penalty,
                   tuple(gen.stop), seed)


def resolve_for_inference(model_args) -> tuple[str, str | None, str | None, str]:
    """(model, template, system, dtype): flags first, then the adapter's run args.json (ms-swift behaviour)."""
    adapters = models.parse_adapters(model_args.adapters)
    run_args = models.run_args_for(next(iter(adapters.values()))) if adapters else {}
    model = model_args.model or run_args.get("model_dir") or run_args.get("model")
    if not model and adapters:
        model = models.base_model_of(next(iter(adapters.values())))
    if not model:
        raise UsageError("--model is required (or --adapters from a run whose args.json names the model)")
    template = model_args.template or run_args.get("template")
    system = model_args.system if model_args.system is not None else run_args.get("system")
    dtype = model_args.torch_dtype if model_args.torch_dtype != "auto" else run_args.get("torch_dtype", "auto")
    return model, template, system, dtype


def should_merge(merge_lora: bool | None, adapters: dict, need_base: bool = False) -> bool:
    """Merge at load? `--merge_lora` as given; unset: yes for exactly one adapter when the base itself need not
    answer (merged weights decode at the base model's speed; unmerged LoRA adds two matmuls per layer)."""
    if not adapters or merge_lora is False:
        return False
    if merge_lora and len(adapters) > 1:
        raise UsageError(f"--merge_lora true: merges one adapter, got {len(adapters)} ({', '.join(adapters)}); "
                         f"serve several unmerged (leave --merge_lora unset) or merge each with swift export")
    if merge_lora and need_base:
        raise UsageError("--merge_lora true: the base model must answer too here (e.g. --eval_base true); "
                         "leave --merge_lora unset")
    return bool(merge_lora) or (len(adapters) == 1 and not need_base)


class ChatModel:
    """Base model plus named LoRA adapters: unmerged (pick one per call) or one merged into the weights (`merged`
    names it; the bare base is then not available)."""

    def __init__(self, model_args, use_cpu: bool = False, max_pixels: int | None = None, merge: bool = False):
        from swift_cli.engine.vl.processor import VLProcessor, is_vl_model

        model, template, self.system, dtype_name = resolve_for_inference(model_args)
        self.model_dir = models.resolve_model_dir(model, use_hf=model_args.use_hf, revision=model_args.revision,
                                                  token=model_args.hub_token)
        self.device = models.pick_device(use_cpu)
        # image-text models: their processor (tokenizer + image processor) and the image-text model class
        self.vl = VLProcessor(self.model_dir, template, max_pixels) if is_vl_model(self.model_dir) else None
        self.tokenizer = self.vl.tokenizer if self.vl else models.load_tokenizer(self.model_dir, template)
        models.set_thinking(self.tokenizer, model_args.enable_thinking)
        dtype = models.pick_dtype(dtype_name, self.device)
        if self.vl:
            from swift_cli.engine.vl.train import load_vl_model

            base = load_vl_model(self.model_dir, dtype, self.device, model_args.attn_impl)
        else:
            base = models.load_model(self.model_dir, dtype, self.device, model_args.attn_impl)
        self.adapters = models.parse_adapters(model_args.adapters)
        self.model = base
        if self.adapters:
            from peft import PeftModel

            names = list(self.adapters)
            self.model = PeftModel.from_pretrained(base, self.adapters[names[0]], adapter_name=names[0])
            for name in names[1:]:
                self.model.load_adapter(self.adapters[name], adapter_name=name)
        self.merged = None
        if merge and self.adapters:
            self.merged = _merge(self, next(iter(self.adapters)))
        self.model.eval()

    def with_system(self, messages: list[dict]) -> list[dict]:
        if self.system and (not messages or messages[0]["role"] != "system"):
            return [{"role": "system", "content": self.system}] + messages
        return messages

    def _kwargs(self, p: GenParams) -> dict:
        kw = dict(max_new_tokens=p.max_new_tokens, repetition_penalty=p.repetition_penalty,
                  pad_token_id=self.tokenizer.pad_token_id, eos_token_id=self.tokenizer.eos_token_id)
        if p.temperature > 0:
            kw.update(do_sample=True, temperature=p.temperature, top_p=p.top_p, top_k=p.top_k)
        else:
            kw.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if p.stop:
            kw.update(stop_strings=list(p.stop), tokenizer=self.tokenizer)
        return kw

    def _adapter_scope(self, adapter: str | None):
        """Activate `adapter` (None: the first loaded; BASE: none) for the duration of a call."""
        import contextlib

        if not self.adapters:
            return contextlib.nullcontext()
        if self.merged:
            if adapter not in (None, self.merged):
                raise UsageError(f"adapter {adapter!r}: {self.merged} is merged into the weights; only it answers")
            return contextlib.nullcontext()
        if adapter == BASE:
            return self.model.disable_adapter()
        if adapter is not None and adapter not in self.adapters:
            raise UsageError(f"unknown adapter {adapter!r}; loaded: {', '.join(self.adapters)}")
        self.model.set_adapter(adapter or next(iter(self.adapters)))
        return contextlib.nullcontext()

    def generate(self, messages: list[dict], params: GenParams, adapter: str | None = None,
                 streamer=None) -> tuple[str, int, int]:
        """(text, prompt tokens, completion tokens) for one conversation."""
        import torch

        if params.seed is not None:
            torch.manual_seed(params.seed)
        if self.vl:
            from swift_cli.engine.vl.generate import vl_inputs

            inputs = vl_inputs(self.vl, self.with_system(messages), self.device)
        else:
            ids = torch.tensor([prompt_ids(self.tokenizer, self.with_system(messages))], device=self.device)
            inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
        ids = inputs["input_ids"][0].tolist()
        with torch.no_grad(), self._adapter_scope(adapter):
            out = self.model.generate(**inputs, streamer=streamer, **self._kwargs(params))
        new = out[0, len(ids):].tolist()
        text = complete_chars(self.tokenizer.decode(new, skip_special_tokens=True))
        for s in params.stop:
            text = text.split(s)[0]
        return text, len(ids), len(new)


def _merge(chat: ChatModel, name: str) -> str | None:
    """peft's merge_and_unload of the one adapter; a quantized base (bnb/GPTQ/AWQ) cannot take it: kept unmerged."""
    import sys

    base = chat.model.get_base_model()
    if getattr(base.config, "quantization_config", None) is not None:
        print(f"note: {chat.model_dir} is quantized: the adapter {name} stays unmerged", file=sys.stderr, flush=True)
        return None
    chat.model = chat.model.merge_and_unload()
    print(f"note: the adapter {name} is merged into the weights for speed (--merge_lora false keeps it unmerged "
          f"and the base model available)", file=sys.stderr, flush=True)
    return name
