"""Hardware profiles: built-in names, :N counts, JSON round-trip, and the probe on this machine."""
import json
import subprocess
import sys

import pytest

from hardware.machine import GIB, DeviceInfo, HardwareProfile
from hardware.profiles import (
    builtin_profile,
    list_profiles,
    load_profile,
    profile_names,
)

REQUIRED = ["a100-80g", "a100-40g", "h100", "h200", "rtx3090", "rtx4090", "t4", "a10g", "l4",
            "v100", "ascend-910b", "m2-max", "cpu"]


def test_required_names_exist():
    assert set(REQUIRED) <= set(profile_names())


@pytest.mark.parametrize("name", REQUIRED)
def test_named_profile_shape(name):
    p = load_profile(name)
    assert p.device_count == 1
    assert p.accelerator in ("cuda", "npu", "mps", "cpu")
    assert 8 * GIB < p.device_total_bytes < 200 * GIB
    assert 0 < p.device_free_bytes <= p.device_total_bytes


def test_device_counts_and_facts():
    p = load_profile("a100-80g:2")
    assert p.device_count == 2 and p.name == "a100-80g:2"
    assert p.device_total_bytes == 80 * GIB and p.bf16 and p.interconnect == "nvlink"
    assert load_profile("H100:8").device_count == 8
    assert load_profile("ascend-910b:8").accelerator == "npu"
    assert not load_profile("t4").bf16 and not load_profile("v100").bf16
    assert load_profile("m2-max").accelerator == "mps"
    assert load_profile("cpu").accelerator == "cpu"


def test_unknown_name_lists_valid_names_on_one_line():
    with pytest.raises(ValueError) as e:
        load_profile("a100-81g")
    msg = str(e.value)
    assert "\n" not in msg
    for name in REQUIRED:
        assert name in msg


@pytest.mark.parametrize("bad", ["h100:0", "h100:x", "m2-max:2", "h100:99"])
def test_bad_counts(bad):
    with pytest.raises(ValueError):
        builtin_profile(bad)


def test_json_round_trip(tmp_path):
    p = load_profile("rtx4090:2")
    p.unseen.append("something")
    path = tmp_path / "hw.json"
    p.to_json(path)
    q = load_profile(str(path))
    assert q.source == "file"
    q.source = p.source
    assert q == p
    assert HardwareProfile.from_json(p.to_json()) == p
    assert HardwareProfile.from_dict(json.loads(json.dumps(p.to_dict()))) == p


def test_hand_written_json_in_gib(tmp_path):
    path = tmp_path / "box.json"
    path.write_text(json.dumps({"accelerator": "cuda", "devices": [
        {"name": "RTX 6000 Ada", "total_gib": 48, "bf16": True, "count": 4}]}))
    p = load_profile(str(path))
    assert p.device_count == 4 and p.device_total_bytes == 48 * GIB == p.device_free_bytes
    assert isinstance(p.devices[0], DeviceInfo)
    with pytest.raises(ValueError):
        HardwareProfile.from_dict({"accelerator": "tpu"})


def test_list_profiles_cheapest_first():
    rows = list_profiles()
    costs = [r["relative_cost"] for r in rows]
    assert costs == sorted(costs) and all(c > 0 for c in costs)
    by = {r["name"]: r for r in rows}
    assert by["t4"]["relative_cost"] < by["a100-80g"]["relative_cost"] < by["h100"]["relative_cost"]


def test_probe_on_this_machine_is_cpu_and_never_raises():
    from hardware.probe import probe
    p = probe()
    assert p.accelerator == "cpu"          # this test machine has no accelerator
    assert p.device_count == 1 and p.ram_total_bytes > 0 and p.cpu_cores >= 1
    assert p.engines.get("transformers")
    assert any("NVML" in u or "NVIDIA" in u for u in p.unseen)
    assert HardwareProfile.from_json(p.to_json()) == p


def test_probe_without_torch_or_nvml_does_not_raise():
    # Hide torch and pynvml: the probe must still answer, reporting what it could not see.
    code = ("import sys; sys.modules['torch'] = None; sys.modules['pynvml'] = None;"
            "sys.modules['psutil'] = None;"
            "from hardware.probe import probe; p = probe(); print(p.accelerator, len(p.unseen))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    kind, n = out.stdout.split()
    assert kind == "cpu" and int(n) >= 2



class _FakeNVML:
    """Enough of pynvml to exercise the NVML path without a GPU."""

    def __init__(self, n=4):
        self.n = n
        self.shut = False

    def nvmlInit(self):
        pass

    def nvmlShutdown(self):
        self.shut = True

    def nvmlSystemGetDriverVersion(self):
        return "550.54.15"

    def nvmlSystemGetCudaDriverVersion(self):
        return 12040

    def nvmlDeviceGetCount(self):
        return self.n

    def nvmlDeviceGetHandleByIndex(self, i):
        return i

    def nvmlDeviceGetUUID(self, h):
        return f"GPU-{h:04d}-uuid"

    def nvmlDeviceGetName(self, h):
        return b"NVIDIA A100-SXM4-80GB"

    def nvmlDeviceGetMemoryInfo(self, h):
        class M:
            total = 80 * GIB
            free = 79 * GIB - h
        return M()

    def nvmlDeviceGetCudaComputeCapability(self, h):
        return (8, 0)

    def nvmlDeviceGetNvLinkState(self, h, link):
        return 1


def test_probe_nvml_path_and_visible_devices(monkeypatch):
    import hardware.probe as hp
    fake = _FakeNVML()
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,GPU-0003")
    p = hp.probe()
    assert p.accelerator == "cuda" and p.device_count == 2 and fake.shut
    assert p.driver_version == "550.54.15" and p.cuda_version == "12.4"
    assert p.devices[0].compute_capability == "8.0" and p.bf16
    assert p.devices[0].free_bytes == 79 * GIB - 2 and p.devices[1].free_bytes == 79 * GIB - 3
    assert p.interconnect == "nvlink"
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    assert hp.probe().device_count == 4


def test_probe_survives_a_broken_nvml(monkeypatch):
    import hardware.probe as hp
    fake = _FakeNVML()
    fake.nvmlDeviceGetMemoryInfo = lambda h: (_ for _ in ()).throw(RuntimeError("Xid 79"))
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    p = hp.probe(use_torch=False)
    assert p.accelerator == "cpu" and any("Xid 79" in u for u in p.unseen)
