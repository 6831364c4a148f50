"""The model an export starts from: a model dir, or adapters on the base their run's args.json names."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from swift_cli.errors import UsageError


@dataclass
class Source:
    model: str                      # as given or from args.json (local dir or hub id)
    adapters: dict[str, Path]
    template: str | None
    system: str | None
    dtype_name: str
    config: dict = field(default_factory=dict)  # config.json when the model is local (else filled on load)
    model_dir: Path | None = None

    @property
    def stem(self) -> Path:
        """Path the default output folders are named after: the (first) adapter, the local model, or ./Name."""
        if self.adapters:
            return next(iter(self.adapters.values()))
        local = Path(self.model).expanduser()
        return local if local.exists() else Path(self.model.split("/")[-1])


def resolve_source(model_args) -> Source:
    """Model, adapters, template, system and dtype from flags then the adapter run's args.json (no torch)."""
    from swift_cli.engine import models
    from swift_cli.engine.generate import resolve_for_inference

    model, template, system, dtype = resolve_for_inference(model_args)
    adapters = models.parse_adapters(model_args.adapters)
    src = Source(model, adapters, template, system, dtype)
    local = Path(model).expanduser()
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise UsageError(f"--model {model}: directory has no config.json")
        src.config = json.loads((local / "config.json").read_text(encoding="utf-8"))
        src.model_dir = local
    return src


def fetch(src: Source, model_args) -> Path:
    """The local model dir (downloaded when a hub id); fills `src.config`."""
    from swift_cli.engine import models

    if src.model_dir is None:
        src.model_dir = models.resolve_model_dir(src.model, use_hf=model_args.use_hf, revision=model_args.revision,
                                                 token=model_args.hub_token)
        src.config = json.loads((src.model_dir / "config.json").read_text(encoding="utf-8"))
    return src.model_dir


def load_tokenizer(src: Source):
    from swift_cli.engine import models

    return models.load_tokenizer(src.model_dir, src.template)


def load_model(src: Source, merge: bool = True, device: str = "cpu"):
    """The source in float32 on `device`; adapters applied (merged into the weights unless merge=False)."""
    import torch

    from swift_cli.engine.vl.processor import model_class

    if src.config.get("quantization_config"):
        raise UsageError(f"--model {src.model}: already quantized ({src.config['quantization_config'].get('quant_method')}); "
                         "export from the unquantized model")
    # image-text models (vision_config) load as their own architecture, not as a causal LM
    model = model_class(src.model_dir).from_pretrained(src.model_dir, dtype=torch.float32).to(device).eval()
    if not src.adapters:
        return model
    from peft import PeftModel

    names = list(src.adapters)
    model = PeftModel.from_pretrained(model, src.adapters[names[0]], adapter_name=names[0])
    for name in names[1:]:
        model.load_adapter(src.adapters[name], adapter_name=name)
    if len(names) > 1:
        print(f"note: merging {len(names)} adapters in order: {', '.join(names)}", file=sys.stderr)
    model.eval()
    if not merge:
        model.set_adapter(names[0]) if len(names) == 1 else model.base_model.set_adapter(names)
        return model
    return model.merge_and_unload(adapter_names=names)


def eos_ids(tokenizer, model) -> list[int]:
    """Every end-of-turn id the model's generation config and tokenizer know."""
    ids = model.generation_config.eos_token_id if getattr(model, "generation_config", None) else None
    ids = list(ids) if isinstance(ids, (list, tuple)) else ([ids] if ids is not None else [])
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    return ids


def param_count(model) -> int:
    return sum(p.numel() for p in model.parameters())
