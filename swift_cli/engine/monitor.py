"""Live resource monitor: a ~1 Hz background sampler of RAM/CPU and per-accelerator memory/utilisation.

One sampler thread reads psutil (process RSS, system RAM, process CPU %), NVML (per-GPU memory used/total
and utilisation, when nvidia-ml-py sees a driver), torch's allocator peak (CUDA, Ascend NPU, Apple MPS)
and keeps the latest snapshot; readers (the progress bar's status line, logging.jsonl records) only
format that snapshot, so the training thread never waits on a probe.

Measured peak follows the estimator's contract (shared/conventions.md): on an accelerator the allocator's
peak (``max_memory_allocated``); on CPU the process's peak RSS (``ru_maxrss``) above the RSS measured when
the monitor was created (after the heavy imports, before weights load: "an idle process with the same
imports").

    with Monitor(predicted_peak_bytes=plan.peak_bytes, label="quantize") as mon:
        ...                              # a status line is shown while the block runs
    print(mon.summary_line())
"""
from __future__ import annotations

import resource
import sys
import threading
import time
from typing import Any, Callable

MIB = 2**20
GIB = 2**30


def _gib(n: float | None) -> str:
    return "?" if n is None else f"{n / GIB:.2f} GiB"


class _Nvml:
    """Per-GPU memory and utilisation through nvidia-ml-py; silent (no devices) when unavailable."""

    def __init__(self):
        self.handles: list = []
        try:
            import pynvml

            pynvml.nvmlInit()
            self.lib = pynvml
            visible = _visible_indices(pynvml.nvmlDeviceGetCount())
            self.handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in visible]
        except Exception:  # noqa: BLE001 - no driver / no library: simply no GPU rows
            self.handles = []

    def read(self) -> list[dict]:
        out = []
        for i, h in enumerate(self.handles):
            try:
                mem = self.lib.nvmlDeviceGetMemoryInfo(h)
                util = self.lib.nvmlDeviceGetUtilizationRates(h).gpu
            except Exception:  # noqa: BLE001 - a device that stops answering is skipped, never fatal
                continue
            out.append({"index": i, "used_mib": round(mem.used / MIB), "total_mib": round(mem.total / MIB),
                        "util_pct": int(util)})
        return out


def _visible_indices(count: int) -> list[int]:
    """NVML numbers all GPUs; respect CUDA_VISIBLE_DEVICES when it lists plain indices."""
    import os

    vis = os.environ.get("CUDA_VISIBLE_DEVICES")
    if vis is None:
        return list(range(count))
    try:
        return [int(x) for x in vis.split(",") if x.strip() != "" and int(x) < count]
    except ValueError:  # UUIDs: keep NVML's order
        return list(range(count))


def _torch_peak(device: str) -> int | None:
    """The allocator's peak bytes on the accelerator in use (None on CPU or before it is initialised)."""
    torch = sys.modules.get("torch")  # never import torch here: a monitor may run before it is loaded
    if torch is None:
        return None
    try:
        if device == "cuda" and torch.cuda.is_initialized():
            return int(torch.cuda.max_memory_allocated())
        if device == "npu" and hasattr(torch, "npu"):
            return int(torch.npu.max_memory_allocated())
        if device == "mps" and torch.backends.mps.is_available():
            return int(torch.mps.driver_allocated_memory())  # MPS keeps no peak counter: current driver total
    except Exception:  # noqa: BLE001
        return None
    return None


class Monitor:
    """Background sampler; use as a context manager or start()/stop()."""

    def __init__(self, predicted_peak_bytes: int | None = None, device: str = "cpu", interval: float = 1.0,
                 label: str = "", predicted_overhead_bytes: int = 0):
        import psutil

        self.psutil = psutil
        self.proc = psutil.Process()
        self.device = device
        self.interval = interval
        self.label = label
        self.predicted_peak_bytes = predicted_peak_bytes
        self.predicted_overhead_bytes = predicted_overhead_bytes
        self.baseline_rss = self.proc.memory_info().rss   # "idle with the same imports": taken before loading
        self._nvml = _Nvml() if device == "cuda" else None
        self.snapshot: dict[str, Any] = {}
        self.throughput: dict[str, Any] = {}            # tokens/s and ETA, fed by the training callback
        self.phase: str | None = None                   # e.g. GRPO's "generation 60% / training 40%"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live = None
        self.samples = 0
        self.proc.cpu_percent(None)  # prime: the first call always returns 0
        self.sample()

    def expect(self, plan) -> None:
        """Take the planner's prediction (a hardware.plan.Plan, or None when there is no estimate)."""
        if plan is not None:
            self.predicted_peak_bytes = plan.peak_bytes
            self.predicted_overhead_bytes = plan.breakdown.get("runtime_overhead", 0)

    # ---- sampling -----------------------------------------------------------------------------------
    def sample(self) -> dict:
        """Take one sample now (the thread calls this every `interval` seconds)."""
        vm = self.psutil.virtual_memory()
        snap: dict[str, Any] = {
            "rss_mib": round(self.proc.memory_info().rss / MIB, 1),
            "ram_used_mib": round((vm.total - vm.available) / MIB),
            "ram_total_mib": round(vm.total / MIB),
            "cpu_pct": round(self.proc.cpu_percent(None), 1),
        }
        if self._nvml is not None:
            snap["gpus"] = self._nvml.read()
        self.snapshot = snap
        self._sampled_at = time.monotonic()
        self.samples += 1
        return snap

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sample()
            except Exception:  # noqa: BLE001 - monitoring must never take a run down
                pass

    def start(self) -> "Monitor":
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="yichui-monitor", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * self.interval + 1)
            self._thread = None
        if self._live is not None:
            self._live.stop()
            self._live = None

    def __enter__(self) -> "Monitor":
        """Standalone use (quantize, export, deploy's first load): sample and show a live status line."""
        self.start()
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.live import Live

            self._live = Live(LiveText(self.status_line), console=Console(stderr=True), refresh_per_second=2,
                              transient=True)
            self._live.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- figures ------------------------------------------------------------------------------------
    def measured_peak_bytes(self) -> int:
        """Allocator peak on an accelerator; peak RSS above the baseline on CPU (never negative)."""
        peak = _torch_peak(self.device)
        if peak is not None:
            return peak
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
        return max(0, max_rss - self.baseline_rss)

    def predicted_compare_bytes(self) -> int | None:
        """The prediction in the same terms as measured_peak_bytes: on an accelerator the allocator's peak
        (runtime overhead left out, as max_memory_allocated does); on CPU the whole RSS estimate."""
        if self.predicted_peak_bytes is None:
            return None
        if self.device == "cpu":
            return self.predicted_peak_bytes
        return self.predicted_peak_bytes - self.predicted_overhead_bytes

    def log_fields(self) -> dict:
        """Flat figures for a logging.jsonl record (a fresh sample when the thread's is older than its interval)."""
        if time.monotonic() - self._sampled_at > self.interval:
            self.sample()
        s = self.snapshot
        out = {"ram_used_mib": s.get("ram_used_mib"), "ram_total_mib": s.get("ram_total_mib"),
               "cpu_pct": s.get("cpu_pct"), "peak_mib": round(self.measured_peak_bytes() / MIB, 1)}
        for g in s.get("gpus", []):
            i = g["index"]
            out.update({f"gpu{i}_used_mib": g["used_mib"], f"gpu{i}_total_mib": g["total_mib"],
                        f"gpu{i}_util_pct": g["util_pct"]})
        pred = self.predicted_compare_bytes()
        if pred is not None:
            out["predicted_peak_mib"] = round(pred / MIB, 1)
        for key in ("tokens_per_sec", "eta_sec"):
            if self.throughput.get(key) is not None:
                out[f"monitor_{key}"] = self.throughput[key]
        return out

    def status_line(self) -> str:
        """One line for the status area: devices, RAM/CPU, throughput, measured vs predicted peak."""
        s = self.snapshot
        parts = [f"GPU{g['index']} {g['used_mib'] / 1024:.1f}/{g['total_mib'] / 1024:.0f} GiB {g['util_pct']}%"
                 for g in s.get("gpus", [])]
        if s:
            parts.append(f"RAM {s['ram_used_mib'] / 1024:.1f}/{s['ram_total_mib'] / 1024:.0f} GiB  "
                         f"CPU {s['cpu_pct']:.0f}%")
        t = self.throughput
        if t.get("tokens_per_sec") is not None:
            parts.append(f"{t['tokens_per_sec']:.0f} tok/s")
        if t.get("eta_sec") is not None:
            parts.append(f"ETA {_clock(t['eta_sec'])}")
        if self.phase:
            parts.append(self.phase)
        pred = self.predicted_compare_bytes()
        parts.append(f"peak {_gib(self.measured_peak_bytes())}" + (f" (predicted {_gib(pred)})" if pred else ""))
        return "  │  ".join(parts)

    def summary(self) -> dict:
        """Predicted vs measured peak, for the final record and line."""
        measured = self.measured_peak_bytes()
        pred = self.predicted_compare_bytes()
        what = "allocator peak (max_memory_allocated)" if self.device != "cpu" else "peak RSS above idle"
        out = {"measured_peak_mib": round(measured / MIB, 1), "measured_what": what}
        if pred:
            out["predicted_peak_mib"] = round(pred / MIB, 1)
            out["peak_error_pct"] = round(100 * (measured - pred) / pred, 1)
        return out

    def summary_line(self) -> str:
        s = self.summary()
        line = f"memory: measured {s['measured_peak_mib'] / 1024:.2f} GiB ({s['measured_what']})"
        if "predicted_peak_mib" in s:
            line += (f", predicted {s['predicted_peak_mib'] / 1024:.2f} GiB "
                     f"({s['peak_error_pct']:+.1f}% off the estimate)")
        else:
            line += ", no prediction"
        return line


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rem = divmod(seconds, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"


class LiveText:
    """A rich renderable that formats `fn()` at each refresh."""

    def __init__(self, fn: Callable[[], str]):
        self.fn = fn

    def __rich__(self):
        from rich.text import Text

        return Text(self.fn(), style="dim")


def progress_bar(*fields, status: Callable[[], str] | None = None, console=None):
    """The one step bar of training and evaluation: description, bar, done/total, `fields` (extra columns, e.g.
    the loss), elapsed and ETA; with `status`, the monitor's line (memory, CPU, tok/s) under it."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), *fields,
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
    if status is None:
        return Progress(*columns, console=console, transient=False)

    class StatusProgress(Progress):
        def get_renderables(self):
            yield self.make_tasks_table(self.tasks)
            yield LiveText(status)

    return StatusProgress(*columns, console=console, transient=False)


def trainer_callback(monitor: Monitor):
    """A transformers TrainerCallback feeding tokens/s and ETA to `monitor`, starting/stopping its thread."""
    from transformers import TrainerCallback

    class MonitorCallback(TrainerCallback):
        def __init__(self):
            self._t0 = None
            self._tok0 = 0
            self._step0 = 0

        def on_train_begin(self, args, state, control, **kwargs):
            monitor.start()
            self._t0, self._tok0, self._step0 = time.perf_counter(), state.num_input_tokens_seen or 0, \
                state.global_step

        def on_step_end(self, args, state, control, **kwargs):
            if self._t0 is None:
                return
            dt = time.perf_counter() - self._t0
            steps = state.global_step - self._step0
            if dt <= 0 or steps <= 0:
                return
            tokens = (state.num_input_tokens_seen or 0) - self._tok0
            monitor.throughput = {"tokens_per_sec": round(tokens / dt, 1) if tokens else None,
                                  "eta_sec": round(dt / steps * max(0, state.max_steps - state.global_step), 1)}

        def on_train_end(self, args, state, control, **kwargs):
            monitor.stop()

    return MonitorCallback()
