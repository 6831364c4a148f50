"""`swift eval`, top to bottom: compare two runs, or check the engines, resolve the datasets, serve the model once and score it."""
from __future__ import annotations

import sys
from pathlib import Path


def run(cfg) -> int:
    """Compare two finished runs, or score the model(s) and print the table (and before/after when several)."""
    from rich.console import Console

    from swift_cli.engine.eval import compare, results

    ev = cfg.eval
    console = Console(file=sys.stdout)
    if not console.is_terminal:  # logs and pipes: wide enough that no name or interval gets cut
        console = Console(file=sys.stdout, width=200)
    if ev.compare:
        (report_a, rows_a), (report_b, rows_b) = (results.load_run(p) for p in ev.compare)
        name_a, name_b = list(report_a["models"])[-1], list(report_b["models"])[-1]
        entries = compare.compare(rows_a, name_a, rows_b, name_b, ev.seed)
        console.print(compare.table(entries, f"{Path(ev.compare[0]).name}:{name_a}",
                                    f"{Path(ev.compare[1]).name}:{name_b}"))
        return 0
    if not ev.eval_url:  # unset --infer_backend: llama.cpp on a machine without an accelerator (engine.serve.choose)
        from swift_cli.engine.serve.choose import choose_backend, with_backend

        cfg = with_backend(cfg, choose_backend(cfg, need_base=ev.eval_base))
    _check_engines(cfg)
    from swift_cli.engine.eval import runner
    from swift_cli.engine.runs import check_writable

    check_writable(Path(ev.eval_output_dir))
    runner.generation_config(ev.eval_generation_config)  # a bad JSON fails here, before anything loads

    def target(screen):
        if ev.eval_url:
            # ms-swift scripts name the served model with --model when they pass --eval_url
            return runner.remote_target(ev.eval_url, ev.api_key, ev.eval_model_name or cfg.model.model, screen)
        return runner.local_target(cfg.model, ev.eval_base, ev.eval_num_proc, screen, cfg.merge,
                                   cfg.backend.infer_backend)

    run_dir, report = runner.evaluate(cfg, target)
    console.print(results.table(report))
    models = list(report["models"])
    rows = results.load_run(str(run_dir))[1] if len(models) > 1 else []
    paired = []
    for other in models[1:]:
        entries = compare.compare(rows, models[0], rows, other, ev.seed)
        console.print(compare.table(entries, models[0], other))
        paired.append({"a": models[0], "b": other, "level": 0.95,
                       "datasets": [{**e, "verdict": compare.verdict(e)} for e in entries]})
    if paired:  # the before/after differences with their intervals, for readers of the run folder (the web UI)
        results.write_json(run_dir / results.COMPARE, paired)
    n = sum(v["n"] for per in report["models"].values() for v in per.values())
    source = f"model loaded {report['model_loads']}x in {report['load_seconds']:.1f}s" if report["model_loads"] \
        else f"endpoint {report['url']}"
    print(f"{n} items, {report['seconds_per_item']:.2f} s/item ({source}); report: {run_dir / results.REPORT}, "
          f"per item: {run_dir / results.PREDICTIONS}")
    return 0


def _check_engines(cfg) -> None:
    from swift_cli.errors import RequirementError

    if cfg.eval.eval_backend != "Native":
        raise RequirementError(f"--eval_backend {cfg.eval.eval_backend}: needs evalscope[{cfg.eval.eval_backend.lower()}]"
                               f" and its engines, not part of this install; the default Native backend runs here")
    if cfg.backend.infer_backend == "vllm" and not cfg.eval.eval_url:
        raise RequirementError("--infer_backend vllm: start `swift deploy --infer_backend vllm ...` on a CUDA machine "
                               "and score it with --eval_url http://HOST:PORT/v1 (pt serves in-process here)")
    if cfg.backend.infer_backend == "llamacpp" and not cfg.eval.eval_url:
        from swift_cli.extras import require_extra

        require_extra("llamacpp", flag="--infer_backend llamacpp")
