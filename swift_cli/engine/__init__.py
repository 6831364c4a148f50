"""Engine wrappers (the only place torch/transformers/trl/peft are imported).

Importing this package quiets the engines' own chatter (download bars, deprecation notices) so the
console shows our progress bar and one-line messages; YICHUI_DEBUG=1 keeps everything.
"""
from __future__ import annotations

import logging
import os
import warnings

if os.environ.get("YICHUI_DEBUG", "") in ("", "0", "false"):
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    # transformers reads this at import (its "Loading weights" bar); our rich bars replace it.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Engines' plain tqdm bars (e.g. transformers' "Converting and de-quantizing GGUF tensors"); ours are rich.
    os.environ.setdefault("TQDM_DISABLE", "1")
    for name in ("bitsandbytes", "modelscope", "datasets", "accelerate", "peft", "trl", "torch.distributed"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"(transformers|peft|trl|torch)\b.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning)


class _DropEngineNoise(logging.Filter):
    """Drops one known harmless message of an engine's logger; everything else on it still shows."""

    def __init__(self, *needles: str):
        super().__init__()
        self.needles = needles

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        return not all(n in msg for n in self.needles)


if os.environ.get("YICHUI_DEBUG", "") in ("", "0", "false"):
    # torchao ships CUDA-only kernels (_C_mxfp8, _C_cutlass_90a) that cannot load into a CPU build of torch, and
    # warns once per file at import; torch warns that torchao registers Enums with pytree. Neither affects us.
    logging.getLogger("torchao").addFilter(_DropEngineNoise("Failed to load", "_C_"))
    logging.getLogger("torch.utils._pytree").addFilter(_DropEngineNoise("is an Enum subclass", "register_constant"))

