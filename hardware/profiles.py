"""Built-in hardware profiles for machines you don't have, plus JSON profile loading.

``load_profile("a100-80g:2")`` → two A100-80GB; ``load_profile("h100:8")``; ``load_profile(
"my_box.json")`` reads a :class:`HardwareProfile` JSON file; ``load_profile("local")`` probes this
machine. An unknown name raises ValueError whose one-line message lists the valid names.

Memory figures are what NVML reports as total for each card (MiB exact). ``free_bytes`` of a
built-in profile is the total less 1% that the driver keeps on an idle card; the CUDA context of
the training process itself is the estimator's ``runtime_overhead`` line, not taken here.

``hourly_usd`` is an approximate on-demand price per device-hour from 2025 public cloud price
lists (rounded; consumer cards at community-cloud prices; owned Macs/CPUs amortised). Only the
order matters: ``relative_cost`` = hourly_usd × devices, used to sort "cheapest first".
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .machine import GIB, DeviceInfo, HardwareProfile
from .memory import MemoryInputs, estimate
from .spec import ModelSpec

MIB = 1024 ** 2


@dataclass(frozen=True)
class _Builtin:
    accelerator: str
    device_name: str
    total_mib: int
    cc: str | None
    bf16: bool
    hourly_usd: float
    interconnect: str | None = None        # between devices of a multi-device profile
    cpu_cores: int = 16                    # per device, typical cloud shape
    ram_gib: int = 64                      # per device, typical cloud shape
    max_devices: int = 8
    description: str = ""


_BUILTIN: dict[str, _Builtin] = {
    "a100-80g": _Builtin("cuda", "NVIDIA A100-SXM4-80GB", 81920, "8.0", True, 1.80, "nvlink",
                         description="A100 80GB SXM (Ampere)"),
    "a100-40g": _Builtin("cuda", "NVIDIA A100-SXM4-40GB", 40960, "8.0", True, 1.30, "nvlink",
                         description="A100 40GB SXM (Ampere)"),
    "h100": _Builtin("cuda", "NVIDIA H100 80GB HBM3", 81559, "9.0", True, 2.50, "nvlink",
                     cpu_cores=24, ram_gib=128, description="H100 80GB SXM (Hopper)"),
    "h200": _Builtin("cuda", "NVIDIA H200", 143771, "9.0", True, 3.50, "nvlink",
                     cpu_cores=24, ram_gib=192, description="H200 141GB SXM (Hopper)"),
    "rtx3090": _Builtin("cuda", "NVIDIA GeForce RTX 3090", 24576, "8.6", True, 0.25, "pcie",
                        cpu_cores=8, ram_gib=32, description="RTX 3090 24GB (consumer)"),
    "rtx4090": _Builtin("cuda", "NVIDIA GeForce RTX 4090", 24564, "8.9", True, 0.40, "pcie",
                        cpu_cores=8, ram_gib=32, description="RTX 4090 24GB (consumer)"),
    "t4": _Builtin("cuda", "Tesla T4", 15360, "7.5", False, 0.35, "pcie", cpu_cores=4,
                   ram_gib=16, description="T4 16GB (Turing, no bf16)"),
    "a10g": _Builtin("cuda", "NVIDIA A10G", 23028, "8.6", True, 1.00, "pcie", cpu_cores=8,
                     ram_gib=32, description="A10G 24GB (AWS g5)"),
    "l4": _Builtin("cuda", "NVIDIA L4", 23034, "8.9", True, 0.70, "pcie", cpu_cores=8,
                   ram_gib=32, description="L4 24GB (Ada)"),
    "l40s": _Builtin("cuda", "NVIDIA L40S", 46068, "8.9", True, 1.00, "pcie",
                     description="L40S 48GB (Ada)"),
    "a6000": _Builtin("cuda", "NVIDIA RTX A6000", 49140, "8.6", True, 0.80, "pcie",
                      description="RTX A6000 48GB (Ampere workstation)"),
    "v100": _Builtin("cuda", "Tesla V100-SXM2-32GB", 32768, "7.0", False, 1.00, "nvlink",
                     cpu_cores=8, ram_gib=60, description="V100 32GB (Volta, no bf16)"),
    "ascend-910b": _Builtin("npu", "Ascend910B", 65536, None, True, 1.50, "hccs",
                            cpu_cores=24, ram_gib=192, description="Ascend 910B 64GB (NPU)"),
    "m2-max": _Builtin("mps", "Apple M2 Max GPU (MPS)", 49152, None, True, 0.15, None,
                       cpu_cores=12, ram_gib=64, max_devices=1,
                       description="M2 Max, 64GB unified memory (≈48GB usable by Metal)"),
    "cpu": _Builtin("cpu", "x86-64 CPU", 32768, None, False, 0.10, None, cpu_cores=8,
                    ram_gib=32, max_devices=1, description="8-core CPU, 32GB RAM, no accelerator"),
}
_ALIASES = {"a100": "a100-80g", "a100-80gb": "a100-80g", "a100-40gb": "a100-40g",
            "h100-80g": "h100", "910b": "ascend-910b", "4090": "rtx4090", "3090": "rtx3090",
            "mps": "m2-max", "m2": "m2-max"}


def profile_names() -> list[str]:
    return list(_BUILTIN)


def _unknown(name: str) -> ValueError:
    return ValueError(f"unknown hardware profile {name!r}; valid: {', '.join(_BUILTIN)} "
                      f"(add :N for N devices, e.g. a100-80g:2), 'local', or a .json file")


def builtin_profile(name: str) -> HardwareProfile:
    """A built-in profile by name, with an optional ``:N`` device count."""
    raw = name.strip().lower()
    base, _, count = raw.partition(":")
    base = _ALIASES.get(base, base)
    b = _BUILTIN.get(base)
    if b is None:
        raise _unknown(name)
    try:
        n = int(count) if count else 1
    except ValueError:
        raise ValueError(f"hardware profile {name!r}: device count after ':' must be a whole "
                         f"number, e.g. {base}:2") from None
    if not 1 <= n <= b.max_devices:
        raise ValueError(f"hardware profile {name!r}: {base} takes 1..{b.max_devices} devices")
    total = b.total_mib * MIB
    if b.accelerator == "cpu":
        free = int(total * 0.90)            # the OS and desktop keep some RAM
    elif b.accelerator == "mps":
        free = total                        # Metal's recommended working set is already net
    else:
        free = int(total * 0.99)
    devices = [DeviceInfo(b.device_name, total, free, b.cc, b.bf16) for _ in range(n)]
    ram = b.ram_gib * GIB * (n if b.accelerator in ("cuda", "npu") else 1)
    return HardwareProfile(
        accelerator=b.accelerator, devices=devices,
        interconnect=b.interconnect if n > 1 else None,
        cpu_cores=b.cpu_cores * (n if b.accelerator in ("cuda", "npu") else 1),
        ram_total_bytes=ram, ram_free_bytes=int(ram * 0.9),
        name=f"{base}:{n}" if n > 1 else base, source="builtin",
    )


def load_profile(name_or_json_path: str) -> HardwareProfile:
    """Built-in name (``h100:8``), ``local`` (probe this machine) or a profile JSON file."""
    s = str(name_or_json_path).strip()
    if s.lower() in ("local", "auto", "this", "probe"):
        from .probe import probe  # lazy: the probe may import torch
        return probe()
    p = Path(s).expanduser()
    if s.lower().endswith(".json") or p.is_file():
        if not p.is_file():
            raise ValueError(f"hardware profile file {s} not found")
        prof = HardwareProfile.from_json(str(p))
        prof.source = "file"
        return prof
    return builtin_profile(s)


def list_profiles() -> list[dict]:
    """Built-in profiles (one device each), cheapest first: name, description, accelerator,
    memory_gib, bf16, hourly_usd (approximate, per device) and relative_cost."""
    rows = []
    for name, b in _BUILTIN.items():
        rows.append({"name": name, "description": b.description, "accelerator": b.accelerator,
                     "memory_gib": round(b.total_mib / 1024, 1), "bf16": b.bf16,
                     "max_devices": b.max_devices, "hourly_usd": b.hourly_usd,
                     "relative_cost": b.hourly_usd})
    return sorted(rows, key=lambda r: (r["relative_cost"], r["name"]))


def relative_cost(profile: HardwareProfile) -> float | None:
    """hourly_usd × devices for a built-in profile (None for probed/file profiles)."""
    base = profile.name.split(":")[0]
    b = _BUILTIN.get(base)
    return None if b is None else round(b.hourly_usd * profile.device_count, 4)


def cheapest_fit(spec: ModelSpec, inp: MemoryInputs, headroom: float = 0.95) -> str | None:
    """Cheapest built-in profile (with :N devices; ZeRO-3 when N > 1 on CUDA/NPU) where these
    inputs fit, as the ``--hardware`` value plus the deepspeed flag it needs."""
    best = None
    for row in list_profiles():
        if row["accelerator"] != inp.device_kind:
            continue
        for n in (1, 2, 4, 8):
            if n > row["max_devices"]:
                break
            p = builtin_profile(f"{row['name']}:{n}")
            dtype = inp.dtype if p.bf16 or inp.dtype != "bfloat16" else "float16"
            trial = replace(inp, num_devices=n, dtype=dtype, offload=False,
                            zero_stage=3 if n > 1 else 0, master_weights=inp.master_weights or
                            (n > 1 and inp.train_type == "full" and dtype != "float32"))
            br = estimate(spec, trial)
            host_ok = not br.host_bytes or br.host_bytes <= p.ram_free_bytes
            if br.peak_bytes <= p.device_free_bytes * headroom and host_ok:
                cost = row["relative_cost"] * n
                if best is None or cost < best[0]:
                    best = (cost, p.name + (" --deepspeed zero3" if n > 1 else ""))
                break
    return best[1] if best else None
