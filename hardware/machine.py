"""Plain data describing a machine: :class:`DeviceInfo` and :class:`HardwareProfile`.

Pure (no torch). ``probe.probe()`` fills these from the real machine, ``profiles`` from built-in
names or a JSON file; the planner only ever sees these objects, so a plan for a machine you don't
have is computed exactly like one for the machine you are on.

JSON shape (bytes everywhere; hand-written files may use ``total_gib`` / ``free_gib`` and
``count`` instead)::

    {"accelerator": "cuda", "devices": [{"name": "NVIDIA A100-SXM4-80GB",
      "total_bytes": 85899345920, "free_bytes": 85899345920, "compute_capability": "8.0",
      "bf16": true}], "interconnect": "nvlink", "cpu_cores": 32, ...}
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

GIB = 1024 ** 3
KINDS = ("cuda", "npu", "mps", "cpu")


@dataclass
class DeviceInfo:
    name: str
    total_bytes: int
    free_bytes: int
    compute_capability: str | None = None     # "8.0" for CUDA; None elsewhere
    bf16: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DeviceInfo":
        total = d.get("total_bytes")
        if total is None and d.get("total_gib") is not None:
            total = int(float(d["total_gib"]) * GIB)
        free = d.get("free_bytes")
        if free is None and d.get("free_gib") is not None:
            free = int(float(d["free_gib"]) * GIB)
        total = int(total or 0)
        return cls(name=str(d.get("name", "device")), total_bytes=total,
                   free_bytes=int(total if free is None else free),
                   compute_capability=(str(d["compute_capability"])
                                       if d.get("compute_capability") is not None else None),
                   bf16=bool(d.get("bf16", False)))


@dataclass
class HardwareProfile:
    accelerator: str = "cpu"                   # 'cuda' | 'npu' | 'mps' | 'cpu'
    devices: list[DeviceInfo] = field(default_factory=list)
    interconnect: str | None = None            # 'nvlink' | 'pcie' | 'hccs' | None (unknown)
    cpu_cores: int = 0
    ram_total_bytes: int = 0
    ram_free_bytes: int = 0
    driver_version: str | None = None
    cuda_version: str | None = None
    engines: dict[str, str | None] = field(default_factory=dict)
    unseen: list[str] = field(default_factory=list)   # what the probe could not see, and why
    name: str = "this machine"
    source: str = "probe"                      # 'probe' | 'builtin' | 'file'

    # ---- derived views the planner uses -------------------------------------------------
    @property
    def device_count(self) -> int:
        return max(1, len(self.devices))

    @property
    def device_total_bytes(self) -> int:
        """Smallest device's total memory (the binding one for data parallel); RAM on CPU."""
        if self.devices:
            return min(d.total_bytes for d in self.devices)
        return self.ram_total_bytes

    @property
    def device_free_bytes(self) -> int:
        if self.devices:
            return min(d.free_bytes for d in self.devices)
        return self.ram_free_bytes

    @property
    def bf16(self) -> bool:
        return bool(self.devices) and all(d.bf16 for d in self.devices)

    # ---- JSON ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["devices"] = [dev.to_dict() for dev in self.devices]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "HardwareProfile":
        kind = str(d.get("accelerator", d.get("kind", "cpu"))).lower()
        if kind not in KINDS:
            raise ValueError(f"accelerator {kind!r} is not one of {', '.join(KINDS)}")
        devices: list[DeviceInfo] = []
        for dev in d.get("devices") or []:
            for _ in range(int(dev.get("count", 1))):
                devices.append(DeviceInfo.from_dict(dev))
        ram_total = int(d.get("ram_total_bytes") or int(float(d.get("ram_total_gib", 0)) * GIB))
        return cls(
            accelerator=kind, devices=devices, interconnect=d.get("interconnect"),
            cpu_cores=int(d.get("cpu_cores") or 0), ram_total_bytes=ram_total,
            ram_free_bytes=int(d.get("ram_free_bytes") or ram_total),
            driver_version=d.get("driver_version"), cuda_version=d.get("cuda_version"),
            engines=dict(d.get("engines") or {}), unseen=list(d.get("unseen") or []),
            name=str(d.get("name", "custom")), source=str(d.get("source", "file")),
        )

    def to_json(self, path: str | Path | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, path_or_str: str | Path) -> "HardwareProfile":
        """Parse a JSON string, or read a JSON file when given a path."""
        s = str(path_or_str)
        if s.lstrip().startswith("{"):
            data = json.loads(s)
        else:
            with open(s, encoding="utf-8") as f:
                data = json.load(f)
        if not isinstance(data, dict):
            raise ValueError(f"{s}: hardware profile must be a JSON object")
        return cls.from_dict(data)
