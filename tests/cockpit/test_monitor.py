"""The live monitor: a real tiny training logs memory and throughput at each logged step and ends with predicted vs
measured peak; the sampler runs in its own thread; the limits' parsers."""
from __future__ import annotations

import json
import re
import threading
import time

import pytest

from swift_cli.engine.hints import parse_duration, parse_size
from swift_cli.engine.monitor import Monitor
from swift_cli.errors import UsageError
from tests.conftest import swift

MEMORY_KEYS = ("ram_used_mib", "ram_total_mib", "cpu_pct", "peak_mib", "predicted_peak_mib")


def test_tiny_training_logs_memory_and_throughput_each_step(tiny_model, tmp_path):
    out = tmp_path / "out"
    proc = swift("sft", "--model", tiny_model, "--dataset", "self-cognition#48", "--max_steps", "6",
                 "--logging_steps", "1", "--save_steps", "6", "--per_device_train_batch_size", "4",
                 "--learning_rate", "1e-3", "--report_to", "none", "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    records = [json.loads(x) for x in next(out.glob("v*/logging.jsonl")).read_text().splitlines()]
    steps = [r for r in records if "loss" in r]
    assert [r["step"] for r in steps] == [1, 2, 3, 4, 5, 6]
    for r in steps:
        for key in MEMORY_KEYS:
            assert isinstance(r.get(key), (int, float)), (key, r)
        assert r["tokens_per_sec"] > 0 and r["monitor_tokens_per_sec"] > 0
        assert 0 < r["ram_used_mib"] <= r["ram_total_mib"]
        assert r["peak_mib"] > 0 and r["predicted_peak_mib"] > 0
    final = records[-1]
    assert "train_runtime" in final and final["peak_mib"] >= steps[0]["peak_mib"]
    # The final summary line: measured beside predicted, naming what was measured (CPU: RSS above idle).
    line = next(x for x in proc.stdout.splitlines() if x.startswith("memory: measured"))
    m = re.match(r"memory: measured ([\d.]+) GiB \(peak RSS above idle\), predicted ([\d.]+) GiB \(([+-][\d.]+)% off",
                 line)
    assert m, line
    measured, predicted, err = map(float, m.groups())
    assert measured > 0 and predicted > 0
    # the figures are printed to 0.01 GiB: allow what that rounding can move the ratio (large for tiny runs)
    slack = 100 * 0.005 * (1 / predicted + (measured + 0.005) / predicted / max(predicted - 0.005, 1e-3))
    assert err == pytest.approx(100 * (measured - predicted) / predicted, abs=2 + slack)


def test_monitor_samples_in_its_own_thread_and_stops():
    with Monitor(interval=0.05) as mon:
        threads = {t.name for t in threading.enumerate()}
        first = mon.samples
        time.sleep(0.4)
        assert mon.samples >= first + 3  # sampled while this thread slept
    assert "yichui-monitor" in threads
    assert "yichui-monitor" not in {t.name for t in threading.enumerate()}
    line = mon.status_line()
    assert "RAM" in line and "CPU" in line and "peak" in line


def test_monitor_compares_like_with_like():
    class Plan:  # the two fields Monitor.expect reads from hardware.plan.Plan
        peak_bytes = 10 * 2**30
        breakdown = {"runtime_overhead": 2**30}

    cpu, gpu = Monitor(device="cpu"), Monitor(device="cuda")  # no GPU here: only the arithmetic is exercised
    for mon in (cpu, gpu):
        mon.expect(Plan)
    assert cpu.predicted_compare_bytes() == 10 * 2**30          # CPU: the RSS estimate includes the overhead
    assert gpu.predicted_compare_bytes() == 9 * 2**30           # allocator peak leaves the overhead out
    big = bytearray(200 * 2**20)                                # touch 200 MiB: peak RSS above the baseline grows
    big[::4096] = b"x" * len(big[::4096])
    assert cpu.measured_peak_bytes() >= 150 * 2**20
    assert "predicted" in cpu.summary_line()


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("45", 45),
                                           ("1d", 86400), ("0.5h", 1800)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["2x", "h", "", "-5", "1h30", "0"])
def test_parse_duration_refuses_with_the_flag(text):
    with pytest.raises(UsageError, match="--max_runtime"):
        parse_duration(text)


@pytest.mark.parametrize("text, n", [("20GiB", 20 * 2**30), ("16GB", 16 * 10**9), ("800MiB", 800 * 2**20),
                                     ("24g", 24 * 10**9), ("1024", 1024)])
def test_parse_size(text, n):
    assert parse_size(text) == n


def test_parse_size_refuses_with_the_flag():
    with pytest.raises(UsageError, match="--max_memory 20 apples"):
        parse_size("20 apples")
