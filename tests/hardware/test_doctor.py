"""swift doctor checks: never raise, and failures carry a fix."""
import urllib.error

from hardware.doctor import Check, run_checks
from hardware.machine import HardwareProfile
from hardware.profiles import load_profile


def test_offline_checks_pass_on_this_machine():
    checks = run_checks(network=False)
    names = [c.name for c in checks]
    assert names == ["python", "torch", "accelerator driver", "NCCL", "disk space", "engines"]
    assert all(isinstance(c, Check) for c in checks)
    by = {c.name: c for c in checks}
    assert by["python"].ok and by["torch"].ok and by["engines"].ok
    assert "not needed" in by["NCCL"].detail


def test_unreachable_hub_fails_with_fix():
    def head(url):
        raise urllib.error.URLError("Name or service not known")
    checks = run_checks(profile=load_profile("cpu"), head=head)
    hubs = [c for c in checks if c.name.startswith("hub")]
    assert len(hubs) == 2 and not any(c.ok for c in hubs)
    hf = next(c for c in hubs if "huggingface" in c.name)
    assert "HF_ENDPOINT" in hf.fix and "offline" in hf.fix.lower()


def test_reachable_hub_passes_and_missing_engines_fail():
    checks = run_checks(profile=HardwareProfile(engines={}), head=lambda url: None)
    by = {c.name: c for c in checks}
    assert by["hub modelscope"].ok and by["hub huggingface"].ok
    assert not by["engines"].ok and "transformers" in by["engines"].fix


def test_a_check_that_breaks_is_reported_not_raised():
    broken = HardwareProfile()
    broken.engines = None            # makes the engines check itself blow up
    checks = run_checks(profile=broken, network=False)
    by = {c.name: c for c in checks}
    assert len(checks) == 6 and not by["engines"].ok
    assert by["engines"].detail.startswith("check failed") and by["engines"].fix
