"""``swift doctor``: pass/fail lines with a fix for each failure. Never raises.

Checks: python version, torch importable (+version), accelerator driver, NCCL (only meaningful
with CUDA), free disk space where models are cached, engine versions, hub reachability
(modelscope.cn and huggingface.co — or $HF_ENDPOINT — by a 3-second HTTPS HEAD, in parallel).
"""
from __future__ import annotations

import os
import shutil
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from .machine import GIB, HardwareProfile

MIN_DISK_GIB = 20          # a 7B model in bf16 is ~15 GiB, plus checkpoints
REQUIRED = ("transformers", "peft", "trl", "accelerate", "datasets")
OPTIONAL = ("bitsandbytes", "deepspeed", "vllm", "flash-attn", "gptqmodel", "autoawq",
            "llama-cpp-python", "modelscope")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _safe(name: str, fn) -> Check:
    try:
        return fn()
    except Exception as e:  # a check that breaks is a failed check, never a crash
        return Check(name, False, f"check failed: {type(e).__name__}: {e}"[:200],
                     "run with the debug environment variable set and report the traceback")


def _python() -> Check:
    v = sys.version_info
    ok = v >= (3, 10)
    return Check("python", ok, f"{v.major}.{v.minor}.{v.micro} ({sys.executable})",
                 None if ok else "install Python ≥ 3.10 (scripts/yichuidingyin.sh does this)")


def _torch() -> Check:
    try:
        import torch
    except Exception as e:
        return Check("torch", False, f"not importable: {type(e).__name__}: {e}"[:200],
                     "reinstall with scripts/yichuidingyin.sh (it pins the torch build)")
    return Check("torch", True, f"{torch.__version__}"
                 + (f", CUDA {torch.version.cuda}" if getattr(torch.version, "cuda", None) else ""))


def _driver(p: HardwareProfile) -> Check:
    if p.accelerator == "cuda":
        names = ", ".join(sorted({d.name for d in p.devices}))
        return Check("accelerator driver", True, f"NVIDIA driver {p.driver_version or '?'}, "
                     f"CUDA {p.cuda_version or '?'}; {len(p.devices)}× {names}")
    if p.accelerator in ("npu", "mps"):
        return Check("accelerator driver", True, f"{p.accelerator}: {len(p.devices)}× {p.devices[0].name}")
    nv = [u for u in p.unseen if "NVML" in u or "CUDA" in u]
    has_gpu_hint = any(Path(x).exists() for x in ("/dev/nvidia0", "/proc/driver/nvidia/version"))
    if has_gpu_hint:
        return Check("accelerator driver", False, "an NVIDIA device node exists but no GPU is "
                     "usable" + (f" ({nv[0]})" if nv else ""),
                     "install/repair the NVIDIA driver (nvidia-smi must work) and a CUDA build of torch")
    return Check("accelerator driver", True, "no accelerator found: CPU only"
                 + (f" ({nv[0]})" if nv else ""))


def _nccl(p: HardwareProfile) -> Check:
    if p.accelerator != "cuda":
        return Check("NCCL", True, f"not needed ({p.accelerator}; multi-process training uses "
                     f"{'HCCL' if p.accelerator == 'npu' else 'gloo'})")
    try:
        import torch
        v = torch.cuda.nccl.version()
        return Check("NCCL", True, ".".join(map(str, v)) if isinstance(v, tuple) else str(v))
    except Exception as e:
        return Check("NCCL", len(p.devices) < 2, f"unavailable: {type(e).__name__}",
                     "install a CUDA build of torch (it bundles NCCL) for multi-GPU training")


def _disk() -> Check:
    where = Path(os.environ.get("MODELSCOPE_CACHE") or os.environ.get("HF_HOME")
                 or Path.home() / ".cache")
    probe_at = where
    while not probe_at.exists() and probe_at != probe_at.parent:
        probe_at = probe_at.parent
    free = shutil.disk_usage(probe_at).free
    ok = free >= MIN_DISK_GIB * GIB
    return Check("disk space", ok, f"{free / GIB:.1f} GiB free at {where}",
                 None if ok else f"free at least {MIN_DISK_GIB} GiB there, or point MODELSCOPE_CACHE "
                                 f"/ HF_HOME at a larger disk")


def _engines(p: HardwareProfile) -> Check:
    missing = [e for e in REQUIRED if not p.engines.get(e)]
    have = [f"{e} {p.engines[e]}" for e in REQUIRED + OPTIONAL if p.engines.get(e)]
    return Check("engines", not missing, "; ".join(have) or "none found",
                 None if not missing else f"missing {', '.join(missing)}: reinstall the project "
                                          f"(pip install -e . or scripts/yichuidingyin.sh)")


def _head(url: str, timeout: float = 3.0) -> None:
    req = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "yichui-doctor"})
    try:
        urllib.request.urlopen(req, timeout=timeout).close()
    except urllib.error.HTTPError:
        pass  # any HTTP answer (403, 405, ...) means the host is reachable


def _hub(name: str, url: str, head=_head) -> Check:
    try:
        head(url)
        return Check(f"hub {name}", True, f"{url} reachable")
    except Exception as e:
        reason = getattr(e, "reason", None) or e
        if name == "huggingface":
            fix = ("set HF_ENDPOINT=https://hf-mirror.com (or another mirror), use ModelScope "
                   "(the default without --use_hf), or work offline with local model dirs and "
                   "HF_HUB_OFFLINE=1")
        else:
            fix = ("use --use_hf true with Hugging Face (or HF_ENDPOINT for a mirror), or work "
                   "offline with local model dirs")
        return Check(f"hub {name}", False, f"{url} unreachable in 3 s ({type(e).__name__}: "
                     f"{reason})"[:200], fix)


def run_checks(profile: HardwareProfile | None = None, network: bool = True,
               head=_head) -> list[Check]:
    """Every check, in a fixed order. ``network=False`` skips the hub checks."""
    p = profile
    if p is None:
        try:
            from .probe import probe
            p = probe()
        except Exception:
            p = HardwareProfile(unseen=["probe failed"])
    checks = [_safe("python", _python), _safe("torch", _torch), _safe("accelerator driver",
              lambda: _driver(p)), _safe("NCCL", lambda: _nccl(p)), _safe("disk space", _disk),
              _safe("engines", lambda: _engines(p))]
    if network:
        hf = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
        hubs = [("modelscope", "https://www.modelscope.cn"), ("huggingface", hf)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            futs = [pool.submit(_safe, f"hub {n}", lambda n=n, u=u: _hub(n, u, head)) for n, u in hubs]
            checks += [f.result() for f in futs]
    return checks
