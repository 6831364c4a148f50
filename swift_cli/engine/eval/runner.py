"""One `swift eval` run: resolve datasets (checked before anything loads), serve the model once (or use
--eval_url), let EvalScope's run_task score each served model, then write our report and per-item file."""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from swift_cli.engine.eval import results
from swift_cli.engine.eval.datasets import Resolved, parse_json_flag, resolve
from swift_cli.errors import SwiftError, UsageError

DEFAULT_GENERATION = {"max_tokens": 256, "temperature": 0.0}  # greedy: a rerun gives the same scores


@dataclass
class Target:
    """Where EvalScope sends requests, and which served names it scores."""

    url: str
    api_key: str
    models: list[str]
    loads: int = 0  # times the weights were loaded for this run (0 for --eval_url)
    stop: object = None  # () -> None: end the requests in flight (Ctrl-C / SIGTERM)


def generation_config(text: str | None) -> dict:
    """The user's JSON, with our defaults only for the keys it leaves unset."""
    given = parse_json_flag("--eval_generation_config", text)
    return {**DEFAULT_GENERATION, **given}


def new_run_dir(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run, i = parent / stamp, 1
    while run.exists() or run.with_name(run.name + ".partial").exists():
        run, i = parent / f"{stamp}-{i}", i + 1
    return run


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)


def remote_models(url: str, api_key: str) -> list[str]:
    """The names an OpenAI-compatible endpoint serves (GET /v1/models), with one line when it cannot answer."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url.rstrip("/") + "/models", headers={"Authorization": f"Bearer {api_key}"})
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            data = json.loads(resp.read().decode())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UsageError(f"--eval_url {url}: GET /models failed ({reason})") from None
    return [m["id"] for m in data.get("data", []) if isinstance(m, dict) and "id" in m]


def run_models(target: Target, resolved: Resolved, gen: dict, work: Path, limit: int | None, num_proc: int,
               seed: int, screen, status=None) -> dict:
    """EvalScope's run_task once per served model (same data, same settings); returns {model: seconds}."""
    from evalscope import TaskConfig, run_task
    from evalscope.utils.tqdm_utils.progress_tracker import ProgressTracker

    from swift_cli.engine.eval.quiet import ProgressBar

    timings = {}
    total = resolved.total(limit)
    for model in target.models:
        cfg = TaskConfig(model=model, model_id=_safe(model), api_url=target.url, api_key=target.api_key,
                         eval_type="openai_api", datasets=list(resolved.datasets),
                         dataset_args=json.loads(json.dumps(resolved.dataset_args)), generation_config=dict(gen),
                         work_dir=str(work), no_timestamp=True, limit=limit, eval_batch_size=num_proc, seed=seed,
                         dataset_dir=str(Path(os.environ.get("YICHUI_HOME", Path.home() / ".yichui")) / "evalscope"),
                         timeout=3600)  # a CPU server answering a full batch can take minutes; no early retries
        start = time.perf_counter()
        # Our tracker is the "current" one EvalScope's per-item bars report to; the bar below reads its file.
        with ProgressBar(screen, work / "progress.json", f"eval {model}", total, status) as bar, \
                ProgressTracker(work_dir=str(work), pipeline="eval", total_count=total or 1):
            _in_thread(lambda cfg=cfg: run_task(cfg))
            bar.finish()
        timings[model] = time.perf_counter() - start
    return timings


def evaluate(cfg, target_factory) -> tuple[Path, dict]:
    """Run everything into <eval_output_dir>/<stamp>.partial, rename it when complete; (run_dir, report)."""
    from swift_cli.engine.eval.quiet import output_to
    from swift_cli.options.declare import flat_dict

    ev = cfg.eval
    gen = generation_config(ev.eval_generation_config)
    with tempfile.TemporaryDirectory(prefix="yichui-eval-") as stage:
        resolved = resolve(ev.eval_dataset, ev.eval_dataset_args, Path(stage))  # bad input stops here: no dir yet
        run_dir = new_run_dir(Path(ev.eval_output_dir))
        partial = run_dir.with_name(run_dir.name + ".partial")
        partial.mkdir()
        work = partial / "evalscope"
        log = partial / "evalscope.log"
        try:
            with output_to(log) as screen:
                for note in resolved.notes:
                    print(f"note: {note}", file=screen)
                started = time.perf_counter()
                monitor = _monitor(cfg).start()   # before the weights: its baseline is the idle process
                with target_factory(screen) as target, _interruptible(target):
                    loaded = time.perf_counter() - started
                    timings = run_models(target, resolved, gen, work, ev.eval_limit, ev.eval_num_proc, ev.seed,
                                         screen, monitor.status_line)
                    loads = target.loads
                monitor.stop()
            report, rows = _collect(work, target.models, resolved.datasets)
        except BaseException as exc:
            kept = Path(tempfile.gettempdir()) / f"yichui-eval-failed-{run_dir.name}.log"
            with contextlib.suppress(OSError):
                shutil.copyfile(log, kept)
            shutil.rmtree(partial, ignore_errors=True)
            if isinstance(exc, KeyboardInterrupt):
                # EvalScope's worker threads are joined at interpreter exit whatever their daemon flag (they would
                # first run every queued item against the stopped server); nothing is left to save: leave now.
                import sys

                print("error: interrupted (the partial run folder was removed)", file=sys.stderr, flush=True)
                os._exit(130)
            if isinstance(exc, (SwiftError, KeyboardInterrupt, SystemExit)):
                raise
            raise SwiftError(f"evaluation failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                             f" (EvalScope's log: {kept})") from exc
    n_items = sum(1 for _ in rows)
    report.update({"datasets": resolved.datasets, "generation_config": gen, "limit": ev.eval_limit,
                   "url": None if loads else target.url, "model_loads": loads, "load_seconds": round(loaded, 2),
                   "eval_seconds": {m: round(s, 2) for m, s in timings.items()},
                   "seconds_per_item": round(sum(timings.values()) / max(n_items, 1), 3),
                   "memory": monitor.summary(),
                   "args": flat_dict(cfg)})
    results.write(partial, report, rows)
    partial.rename(run_dir)
    return run_dir, report


def _monitor(cfg):
    """The resource monitor whose line shows under the eval bar (an --eval_url run measures only this client)."""
    from swift_cli.engine.models import pick_device
    from swift_cli.engine.monitor import Monitor

    return Monitor(device="cpu" if cfg.eval.eval_url else pick_device())


def _in_thread(fn):
    """Run fn in a daemon thread and wait for it; on Ctrl-C the main thread leaves at once (EvalScope's pool would
    otherwise run every queued item against the stopped server before the interrupt could unwind)."""
    import threading

    box: dict = {}

    def work():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread as is
            box["error"] = exc

    thread = threading.Thread(target=work, daemon=True, name="evalscope")
    thread.start()
    while thread.is_alive():
        thread.join(0.2)
    if "error" in box:
        raise box["error"]
    return box.get("result")


@contextlib.contextmanager
def _interruptible(target: Target):
    """Ctrl-C or SIGTERM: stop the local server first (EvalScope's workers then fail fast instead of waiting
    for their batch), then unwind as KeyboardInterrupt so the partial run folder is removed (exit 130)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if target.stop is not None:
            target.stop()
        raise KeyboardInterrupt

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _collect(work: Path, models: list[str], datasets: list[str]) -> tuple[dict, list[dict]]:
    report = {"models": {}}
    rows = []
    for model in models:
        report["models"][model] = results.summarize(work, _safe(model))
        rows += [{**r, "model": model} for r in results.predictions(work, _safe(model), datasets)]
    return report, rows


@contextlib.contextmanager
def local_target(model_args, eval_base: bool, max_batch_size: int, screen, merge=None, backend: str = "pt"):
    """Serve --model (+ --adapters) once for the whole run; score each adapter (and the base when asked)."""
    from swift_cli.engine.eval.local_server import LocalServer
    from swift_cli.engine.generate import BASE

    print(f"loading the model once for this run ({backend} backend) ...", file=screen, flush=True)
    with LocalServer(model_args, max_batch_size, merge, need_base=eval_base, backend=backend) as server:
        names = server.names
        adapters = [n for n, a in names.items() if a != BASE]
        models = ([server.base_name] if eval_base or not adapters else []) + adapters
        yield Target(server.url, server.api_key, models, server.loads, server.shutdown)


@contextlib.contextmanager
def remote_target(url: str, api_key: str | None, model_name: str | None, screen):
    """Score an OpenAI-compatible endpoint as it is (nothing is loaded here)."""
    key = api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY"
    served = remote_models(url, key)
    if model_name is None:
        if not served:
            raise UsageError(f"--eval_url {url}: the endpoint lists no models; name one with --eval_model_name")
        model_name = served[0]
    elif served and model_name not in served:
        raise UsageError(f"--eval_model_name/--model {model_name}: not served by {url} (serves {', '.join(served)})")
    yield Target(url.rstrip("/"), key, [model_name])
