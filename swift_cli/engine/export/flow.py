"""The one road every export takes: fingerprint the source, write into a staging folder, reload with an
independent reader, compare, record verification.json, move into place; a failed check exits non-zero."""
from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from swift_cli.engine.export import artifacts, verify
from swift_cli.engine.staging import staged
from swift_cli.errors import UsageError, VerificationFailed


@dataclass(frozen=True)
class Criteria:
    """What an artifact must meet to count as verified."""

    lossless: bool
    logit_tol: float
    min_agreement: float
    max_ppl_ratio: float | None = None


def lossy_criteria(bits: float) -> Criteria:
    """Quantized outputs: finite, reloadable, held-out perplexity within a bound that loosens with fewer bits."""
    if bits >= 8:
        return Criteria(False, float("inf"), 0.5, 1.05)
    if bits >= 5:
        return Criteria(False, float("inf"), 0.0, 1.25)
    return Criteria(False, float("inf"), 0.0, 1.6)


_WATCHING: list = []  # the command's resource monitor: each step's spinner shows its figures


@contextlib.contextmanager
def monitored(label: str):
    """Sample RAM/CPU (and GPUs) in the background for the whole export; yields the Monitor for its summary."""
    from swift_cli.engine.models import pick_device
    from swift_cli.engine.monitor import Monitor

    mon = Monitor(device=pick_device(False), label=label).start()
    _WATCHING.append(mon)
    try:
        yield mon
    finally:
        _WATCHING.remove(mon)
        mon.stop()


@contextlib.contextmanager
def step(message: str):
    """A spinner on stderr for a step that may take a while (with the live resource line), then its duration."""
    from rich.console import Console

    from swift_cli.engine.monitor import LiveText

    console = Console(stderr=True)
    start = time.perf_counter()
    mon = _WATCHING[-1] if _WATCHING else None
    # one rich live display at a time: the monitor's line rides in the spinner's text instead of its own Live
    status = LiveText(lambda: f"{message}  │  {mon.status_line()}") if mon else message
    with console.status(status):
        yield
    console.print(f"[green]✓[/] {message} ({time.perf_counter() - start:.1f}s)", highlight=False)


def check_target(target: Path, exist_ok: bool, flag: str = "--output_dir") -> str | None:
    """A problem line when the target exists and may not be replaced (pure check for validation)."""
    if target.exists() and not exist_ok and (not target.is_dir() or any(target.iterdir())):
        return f"{flag} {target} already exists; pass --exist_ok true to replace it"
    return None


@dataclass
class VerifyOptions:
    enabled: bool
    prompts: int
    tokens: int


def source_fingerprint(runner, tokenizer, system, opts: VerifyOptions, with_ppl: bool):
    if not opts.enabled:
        return None
    with step("running the fixed prompts on the source"):
        return verify.fingerprint(runner, tokenizer, system, opts.prompts, opts.tokens, with_ppl)


def produce(kind: str, target: Path, exist_ok: bool, write: Callable[[Path], dict],
            reload: Callable[[Path], tuple], source_fp, system: str | None, opts: VerifyOptions,
            criteria: Criteria, extra: dict | None = None) -> dict:
    """Write the artifact through `write(tmp)`, verify it through `reload(tmp) -> (runner, tokenizer)`, move it."""
    if check_target(target, exist_ok):
        raise UsageError(check_target(target, exist_ok))
    with staged(target, exist_ok) as tmp:
        with step(f"writing {kind} to {target}"):
            written = write(tmp) or {}
        report = {"kind": kind, **(extra or {}), **written}
        if opts.enabled and source_fp is not None:
            with step(f"reloading the {kind} with an independent reader and comparing"):
                runner, tokenizer = reload(tmp)
                art_fp = verify.fingerprint(runner, tokenizer, system, opts.prompts, opts.tokens,
                                            source_fp.ppl is not None)
                report.update(verify.compare(source_fp, art_fp, lossless=criteria.lossless,
                                             logit_tol=criteria.logit_tol, min_agreement=criteria.min_agreement,
                                             max_ppl_ratio=criteria.max_ppl_ratio))
                del runner
        else:
            report.update(verified=None, problems=[], note="verification skipped (--verify false)")
        size = artifacts.weights_size(tmp)
        report["size_bytes"] = size
        if report.get("source_params"):
            report["size_ratio_vs_fp32"] = round(size / (4 * report["source_params"]), 4)
            report["size_ratio_vs_bf16"] = round(size / (2 * report["source_params"]), 4)
        artifacts.record(tmp, report)
    if report.get("verified") is None:
        print(f"{kind}: written to {target} (not verified: --verify false)")
    else:
        print(verify.summary_line(kind, report))
    print(f"wrote {target}")
    sys.stdout.flush()
    if report.get("verified") is False:
        raise VerificationFailed(f"verification failed: {'; '.join(report['problems'])}; {target} is marked unverified "
                         f"({artifacts.UNVERIFIED_FILE}, verification.json)")
    return report
