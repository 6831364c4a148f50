"""Failure hints, as one import for callers of the earlier single module. The code lives by concern:
swift_cli.units (sizes and durations), engine.failures (what failed: classification and the guard around a run),
engine.advice (what to run next), engine.callbacks.nonfinite_callback (stop on NaN/inf)."""
from __future__ import annotations

from swift_cli.engine.advice import (  # noqa: F401
    MEMORY_FLAGS,
    check_max_memory,
    diverged_error,
    frugal_overrides,
    no_template_error,
    plan_within,
    port_in_use,
    row_lengths,
    rows_too_long_error,
    same_command,
)
from swift_cli.engine.failures import (  # noqa: F401
    classify,
    guard,
    last_checkpoint_note,
    last_complete_checkpoint,
    oom_error,
    save_error,
)
from swift_cli.units import parse_duration, parse_size  # noqa: F401


def nonfinite_callback():
    """engine.callbacks.nonfinite_callback (imported on call: it needs transformers)."""
    from swift_cli.engine.callbacks import nonfinite_callback as make

    return make()
