"""This machine for the Home page: hardware/probe.py run once in a child process (probing imports torch; the UI
process stays small), started in the background when the console starts and cached."""
from __future__ import annotations

import json
import subprocess
import sys
import threading

SCRIPT = """
import json
from hardware.probe import probe
p = probe()
gib = 2**30
print(json.dumps({"accelerator": p.accelerator, "cpu_cores": p.cpu_cores,
                  "ram_gib": round((p.ram_total_bytes or 0) / gib, 1),
                  "devices": [(d.name, round(d.free_bytes / gib, 1), round(d.total_bytes / gib, 1)) for d in p.devices],
                  "profile": p.to_dict()}))
"""
_result: dict = {}
_lock = threading.Lock()


def machine(timeout: float = 120.0) -> dict:
    """{accelerator, cpu_cores, ram_gib, devices: [(name, free GiB, total GiB)]}; an 'error' key when probing failed."""
    with _lock:
        if not _result:
            try:
                out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=timeout)
                _result.update(json.loads(out.stdout.strip().splitlines()[-1]))
            except (subprocess.SubprocessError, ValueError, IndexError) as exc:
                return {"accelerator": "?", "cpu_cores": "?", "ram_gib": "?", "devices": [],
                        "error": f"probe failed: {type(exc).__name__}"}
        return dict(_result)


def this_profile():
    """This machine as the planner sees it (hardware.machine.HardwareProfile from the probe's data), or None."""
    from hardware.machine import HardwareProfile

    data = machine().get("profile")
    return HardwareProfile.from_dict(data) if data else None


def start_probe() -> None:
    threading.Thread(target=machine, daemon=True).start()
