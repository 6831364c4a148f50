"""`swift eval`: score a model (or adapters, or any OpenAI-compatible endpoint) with EvalScope, offline too."""
from __future__ import annotations

import os
from dataclasses import dataclass

from swift_cli.options.compat import compat_group
from swift_cli.commands._common import fail_on, parse
from swift_cli.options.eval import EvalArgs
from swift_cli.options.groups import BackendArgs, MergeArgs, ModelArgs

SUMMARY = ("Benchmarks (EvalScope's names: gsm8k, arc, ceval, cmmlu, mmlu, ...; local copies through "
           "--eval_dataset_args local_path), your own general_qa / general_mcq files, or the built-in offline sets "
           "(yichui_math, yichui_mcq: the default). Writes eval_report.json and predictions.jsonl under "
           "--eval_output_dir. --compare RUN_A RUN_B prints the per-dataset difference with a 95% interval.")


MsEvalArgs = compat_group("eval", ModelArgs, BackendArgs, MergeArgs, EvalArgs)


@dataclass(frozen=True)
class EvalConfig:
    model: ModelArgs
    backend: BackendArgs
    merge: MergeArgs
    eval: EvalArgs
    ms: MsEvalArgs


def problems(cfg: EvalConfig) -> list[str]:
    ev, m, out = cfg.eval, cfg.model, []
    if ev.compare:
        if len(ev.compare) != 2:
            out.append(f"--compare: give two run folders, got {len(ev.compare)}")
        return out
    if ev.eval_limit is not None and ev.eval_limit < 1:
        out.append(f"--eval_limit {ev.eval_limit}: must be >= 1")
    if ev.eval_num_proc < 1:
        out.append(f"--eval_num_proc {ev.eval_num_proc}: must be >= 1")
    if ev.eval_url:
        if m.adapters:
            out.append("--adapters: not with --eval_url (the endpoint serves its own; pick with --eval_model_name)")
        if not ev.eval_url.startswith(("http://", "https://")):
            out.append(f"--eval_url {ev.eval_url}: expected http(s)://HOST:PORT/v1")
    elif not m.model and not m.adapters:
        out.append("--model is required (or --adapters CKPT, or --eval_url URL)")
    if ev.eval_base and not m.adapters:
        out.append("--eval_base true: needs --adapters (the base is what the adapters are compared with)")
    elif ev.eval_base and cfg.backend.infer_backend == "llamacpp" and not ev.eval_url:
        out.append("--eval_base true: --infer_backend llamacpp runs the adapter merged into one GGUF; score the base "
                   "in a second run (without --adapters) or use --infer_backend pt")
    return out


def main(argv: list[str], prog: str = "swift eval") -> int:
    _, cfg = parse(EvalConfig, argv, prog, SUMMARY)
    fail_on(problems(cfg))
    if not cfg.eval.compare:  # --compare only reads two reports
        from swift_cli.extras import require_extra

        require_extra("eval")
    # EvalScope's tqdm subclass fails on a disabled bar, and the engine package disables plain tqdm bars unless
    # told otherwise (this must precede tqdm's import); EvalScope's bars go to evalscope.log, not the screen.
    os.environ["TQDM_DISABLE"] = ""
    from swift_cli.engine.eval.session import run

    return run(cfg)
