"""The planner's result, and the helpers its training and inference parts share. Pure."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .machine import GIB, HardwareProfile
from .memory import Breakdown

HEADROOM = 0.95                    # automatic choices keep 5% free for fragmentation


@dataclass
class Plan:
    task: str
    train_type: str | None             # full | lora | dora | qlora (None for infer)
    params_total: int
    params_trainable: int
    peak_bytes: int                    # per device, runtime overhead included
    breakdown: dict[str, int]          # term → bytes per device (memory.Breakdown.terms)
    peak_terms: list[str]              # terms live at the peak (they sum to peak_bytes)
    phase: str
    free_bytes: int                    # per device
    fits: bool
    flags: dict[str, Any]              # ms-swift-style flag names → values
    notes: list[str] = field(default_factory=list)
    hardware: str = ""
    device_kind: str = "cpu"
    num_devices: int = 1
    # When it does not fit: why (one line), and the smallest change to what the user set that would fit on
    # this hardware ({"flags": {flag: value}, "flags_text": "--flag value", "peak_bytes": n}), or None.
    why_not: str | None = None
    nearest_change: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def gib_text(x: float) -> str:
    return f"{x / GIB:.1f} GiB"


def fits_in(br: Breakdown, free: int, profile: HardwareProfile | None = None, margin: float = 1.0) -> bool:
    """Peak within free device memory, and offloaded state within the node's free RAM."""
    host_ok = profile is None or not br.host_bytes or br.host_bytes <= profile.ram_free_bytes
    return br.peak_bytes <= free * margin and host_ok
