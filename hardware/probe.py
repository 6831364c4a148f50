"""Probe this machine into a :class:`HardwareProfile`. Never raises.

The only module in ``hardware/`` that does I/O or imports torch (lazily, inside functions).
Order, first hit wins for the accelerator:

1. NVIDIA through nvidia-ml-py (pynvml): needs no torch and sees the driver even when torch is a
   CPU build; CUDA_VISIBLE_DEVICES is honoured (indices or UUIDs).
2. torch.cuda as a fallback (e.g. NVML missing in a container).
3. Ascend through torch_npu when it is importable.
4. Apple through torch.backends.mps.
5. Otherwise 'cpu': the "device" is the host RAM.

Anything that cannot be seen is recorded in ``profile.unseen`` as one line saying what and why.
"""
from __future__ import annotations

import importlib.metadata as md
import importlib.util
import os
import platform
import sys

from .machine import GIB, DeviceInfo, HardwareProfile

ENGINES = ("torch", "transformers", "peft", "trl", "accelerate", "datasets", "deepspeed", "vllm",
           "bitsandbytes", "flash-attn", "liger-kernel", "gptqmodel", "auto-gptq", "autoawq",
           "torch_npu", "modelscope", "huggingface_hub", "llama-cpp-python", "optimum")

__all__ = ["probe", "engine_versions", "DeviceInfo", "HardwareProfile"]


def engine_versions() -> dict[str, str | None]:
    """Installed versions from package metadata (no imports); None when not installed."""
    out: dict[str, str | None] = {}
    for name in ENGINES:
        try:
            out[name] = md.version(name)
        except Exception:
            out[name] = None
    return out


def _why(e: BaseException) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {msg}"[:160] if msg else type(e).__name__


def _host(p: HardwareProfile) -> None:
    try:
        import psutil
        vm = psutil.virtual_memory()
        p.ram_total_bytes, p.ram_free_bytes = int(vm.total), int(vm.available)
        p.cpu_cores = int(psutil.cpu_count(logical=True) or os.cpu_count() or 0)
    except Exception as e:
        p.cpu_cores = os.cpu_count() or 0
        p.unseen.append(f"host RAM: psutil unavailable ({_why(e)})")


def _visible(total: int) -> list[int | str]:
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is None:
        return list(range(total))
    items = [x.strip() for x in env.split(",") if x.strip()]
    out: list[int | str] = []
    for x in items:
        if x.lstrip("-").isdigit():
            if int(x) < 0:       # CUDA stops at the first invalid index
                break
            out.append(int(x))
        else:
            out.append(x)
    return out


def _nvml(p: HardwareProfile) -> bool:
    try:
        import pynvml
        pynvml.nvmlInit()
    except Exception as e:
        p.unseen.append(f"NVIDIA GPUs via NVML ({_why(e)})")
        return False
    try:
        dec = lambda v: v.decode() if isinstance(v, bytes) else str(v)  # noqa: E731
        try:
            p.driver_version = dec(pynvml.nvmlSystemGetDriverVersion())
            v = int(pynvml.nvmlSystemGetCudaDriverVersion())
            p.cuda_version = f"{v // 1000}.{(v % 1000) // 10}"
        except Exception as e:
            p.unseen.append(f"driver/CUDA version ({_why(e)})")
        count = pynvml.nvmlDeviceGetCount()
        handles = {}
        for i in range(count):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            handles[i] = h
            try:
                handles[dec(pynvml.nvmlDeviceGetUUID(h))] = h
            except Exception:
                pass
        nvlink = False
        for key in _visible(count):
            h = handles.get(key) if isinstance(key, int) else next(
                (hh for k, hh in handles.items() if isinstance(k, str) and k.startswith(key)), None)
            if h is None:
                continue
            mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            cc = None
            try:
                major, minor = pynvml.nvmlDeviceGetCudaComputeCapability(h)
                cc = f"{major}.{minor}"
            except Exception as e:
                p.unseen.append(f"compute capability ({_why(e)})")
            try:
                nvlink = nvlink or bool(pynvml.nvmlDeviceGetNvLinkState(h, 0))
            except Exception:
                pass  # no NVLink on this board: normal, not worth a line
            p.devices.append(DeviceInfo(name=dec(pynvml.nvmlDeviceGetName(h)),
                                        total_bytes=int(mem.total), free_bytes=int(mem.free),
                                        compute_capability=cc,
                                        bf16=cc is not None and float(cc) >= 8.0))
        if p.devices:
            p.accelerator = "cuda"
            if len(p.devices) > 1:
                p.interconnect = "nvlink" if nvlink else "pcie"
        return bool(p.devices)
    except Exception as e:
        p.unseen.append(f"NVIDIA device details ({_why(e)})")
        return bool(p.devices)
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass


def _torch():
    if importlib.util.find_spec("torch") is None:
        return None
    import torch  # lazy: probing is the one place allowed to pay for it
    return torch


def _torch_cuda(p: HardwareProfile, torch) -> bool:
    try:
        if not torch.cuda.is_available():
            return False
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            try:
                free, total = torch.cuda.mem_get_info(i)
            except Exception:
                free, total = props.total_memory, props.total_memory
            cc = f"{props.major}.{props.minor}"
            p.devices.append(DeviceInfo(props.name, int(total), int(free), cc, props.major >= 8))
        p.accelerator = "cuda"
        p.cuda_version = p.cuda_version or torch.version.cuda
        return bool(p.devices)
    except Exception as e:
        p.unseen.append(f"CUDA via torch ({_why(e)})")
        return False


def _npu(p: HardwareProfile, torch) -> bool:
    if importlib.util.find_spec("torch_npu") is None:
        return False
    try:
        import torch_npu  # noqa: F401  (registers torch.npu)
        if not torch.npu.is_available():
            return False
        for i in range(torch.npu.device_count()):
            name = torch.npu.get_device_name(i)
            try:
                free, total = torch.npu.mem_get_info(i)
            except Exception:
                free = total = 64 * GIB
                p.unseen.append(f"NPU {i} memory (assumed 64 GiB)")
            # Ascend 910B and newer do bf16; the 910A (name without 'B') only fp16.
            p.devices.append(DeviceInfo(name, int(total), int(free), None, "910B" in name
                                        or "910_9" in name or "910C" in name))
        p.accelerator = "npu"
        p.interconnect = "hccs" if len(p.devices) > 1 else None
        return bool(p.devices)
    except Exception as e:
        p.unseen.append(f"Ascend NPU via torch_npu ({_why(e)})")
        return False


def _mps(p: HardwareProfile, torch) -> bool:
    try:
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            return False
        # Unified memory: the GPU may use what Metal recommends (≈ 2/3–3/4 of RAM).
        total = p.ram_total_bytes
        try:
            total = int(torch.mps.recommended_max_memory())
        except Exception:
            total = int(p.ram_total_bytes * 0.75)
        bf16 = False
        try:
            torch.ones(1, dtype=torch.bfloat16, device="mps")
            bf16 = True
        except Exception:
            pass
        p.devices.append(DeviceInfo(f"Apple {platform.machine()} GPU (MPS)", total,
                                    min(total, p.ram_free_bytes), None, bf16))
        p.accelerator = "mps"
        return True
    except Exception as e:
        p.unseen.append(f"Apple MPS ({_why(e)})")
        return False


def _cpu_bf16() -> bool:
    # Native bf16 math on x86 needs AVX512_BF16 or AMX; otherwise bf16 is emulated (slow).
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = f.read()
        return "avx512_bf16" in flags or "amx_bf16" in flags
    except Exception:
        return platform.machine() in ("arm64", "aarch64") and sys.platform == "darwin"


def probe(use_torch: bool = True) -> HardwareProfile:
    """Describe this machine. Never raises; what it could not see goes to ``unseen``."""
    p = HardwareProfile(name="this machine", source="probe")
    try:
        _host(p)
        p.engines = engine_versions()
        found = _nvml(p)
        torch = None
        if not found and use_torch:
            try:
                torch = _torch()
            except Exception as e:
                p.unseen.append(f"torch import ({_why(e)})")
            if torch is None:
                p.unseen.append("torch not importable: CUDA/NPU/MPS fallbacks skipped")
            else:
                found = _torch_cuda(p, torch) or _npu(p, torch) or _mps(p, torch)
        if not found:
            p.accelerator = "cpu"
            p.devices = [DeviceInfo(_cpu_name(), p.ram_total_bytes, p.ram_free_bytes, None,
                                    _cpu_bf16())]
    except Exception as e:  # last line of defence: a profile, however thin, always comes back
        p.unseen.append(f"probe stopped early ({_why(e)})")
    return p


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except Exception:
        pass
    return platform.processor() or platform.machine() or "CPU"
