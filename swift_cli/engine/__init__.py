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
    for name in ("bitsandbytes", "modelscope", "datasets", "accelerate", "peft", "trl", "torch.distributed"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"(transformers|peft|trl|torch)\b.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
