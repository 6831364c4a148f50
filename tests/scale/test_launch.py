"""`NPROC_PER_NODE=N swift sft` relaunches under torchrun (gloo on this CPU machine). DeepSpeed/FSDP need GPUs
and are not run here."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from swift_cli.engine import launch
from tests.conftest import REPO, swift
from tests.scale.conftest import COMMON, STEPS, losses, run_dir


def test_two_processes_train_to_a_saved_adapter_written_once(two_process_run):
    proc, out = two_process_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = run_dir(out)                                       # rank 0 named the folder; no second vN folder
    assert (run / f"checkpoint-{STEPS}" / "adapter_model.safetensors").is_file()
    assert (run / "args.json").is_file() and (run / "loss.png").is_file()
    assert len(losses(run)) == STEPS                         # logging.jsonl written by rank 0 alone
    assert proc.stdout.count("last checkpoint:") == 1        # the closing message once
    assert "launching 2 processes" in proc.stderr


def test_per_rank_logs_show_both_ranks_stepping(two_process_run):
    _, out = two_process_run
    logs = {p.parent.name: p.read_text() for p in (out / "torchrun-logs").rglob("stderr.log")}
    assert sorted(logs) == ["0", "1"]
    for rank, text in logs.items():
        for step in range(1, STEPS + 1):
            assert f"rank {rank}/2 step {step}/{STEPS}" in text


def test_two_processes_match_one_process_with_the_same_global_batch(two_process_run, one_process_run):
    from safetensors.torch import load_file

    (_, out2), (p1, out1) = two_process_run, one_process_run
    assert p1.returncode == 0, p1.stderr[-3000:]
    l2, l1 = losses(run_dir(out2)), losses(run_dir(out1))
    assert l2 == pytest.approx(l1, rel=1e-3)
    w2 = load_file(run_dir(out2) / f"checkpoint-{STEPS}" / "adapter_model.safetensors")
    w1 = load_file(run_dir(out1) / f"checkpoint-{STEPS}" / "adapter_model.safetensors")
    assert w2.keys() == w1.keys()
    diff = max((w2[k] - w1[k]).abs().max().item() for k in w1)
    moved = max(w1[k].abs().max().item() for k in w1)
    assert diff < 1e-4 < moved
    print(f"\nFIGURE ddp-vs-single: losses {[round(x, 4) for x in l2]} vs {[round(x, 4) for x in l1]}; "
          f"max |Δw| {diff:.2e} (max |w| {moved:.3f})")


def test_one_rank_killed_stops_all_ranks_with_one_line(tiny_model, tmp_path):
    """A rank dying mid-run (as an OOM kill would) stops the other rank; the launcher reports it in one line."""
    env = {**os.environ, "NPROC_PER_NODE": "2", "PYTHONUNBUFFERED": "1"}
    env.pop("YICHUI_DEBUG", None)
    cmd = [sys.executable, "-m", "swift_cli", "sft", *COMMON[:2], "--model", str(tiny_model), "--max_steps", "400",
           "--save_steps", "400", "--report_to", "none", "--output_dir", str(tmp_path)]
    launcher = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        victim = None
        while victim is None and time.time() < deadline:
            logs = list((tmp_path / "torchrun-logs").rglob("1/stderr.log"))
            if logs and "rank 1/2 step" in logs[0].read_text():
                workers = [p for p in psutil.Process(launcher.pid).children(recursive=True)
                           if p.environ().get("LOCAL_RANK") in ("0", "1")]
                victim = next(p for p in workers if p.environ()["LOCAL_RANK"] == "1")
            time.sleep(0.3)
        assert victim is not None, "rank 1 never started stepping"
        victim.send_signal(signal.SIGKILL)
        _, err = launcher.communicate(timeout=90)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert launcher.returncode != 0
    line = err.strip().splitlines()[-1]
    assert "rank 1 was killed by signal 9" in line and "all ranks were stopped" in line
    assert not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_torchrun_command_honours_ms_swift_environment(monkeypatch, tmp_path):
    for k, v in {"NNODES": "2", "NODE_RANK": "1", "MASTER_ADDR": "10.0.0.7", "MASTER_PORT": "29555"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert launch.wanted() == (1, 2)
    cmd = launch.torchrun_command("sft", ["--model", "m"], 4, 2, tmp_path)
    assert cmd[1:3] == ["-m", "torch.distributed.run"]
    for flag in ("--nproc_per_node=4", "--nnodes=2", "--node_rank=1", "--master_addr=10.0.0.7",
                 "--master_port=29555", "--redirects=1:3,2:3,3:3"):
        assert flag in cmd
    assert cmd[-5:] == ["-m", "swift_cli", "sft", "--model", "m"]
    monkeypatch.setenv("LOCAL_RANK", "0")            # inside a worker: never relaunch again
    assert launch.wanted() is None


def test_bad_launch_environment_is_a_usage_error(tiny_model):
    proc = swift("sft", "--model", tiny_model, "--dataset", "self-cognition#8", "--max_steps", "1",
                 env={"NPROC_PER_NODE": "two"})
    assert proc.returncode == 2 and proc.stderr.strip().splitlines()[-1].startswith("error: NPROC_PER_NODE=two")
    proc = swift("sft", "--model", tiny_model, "--dataset", "self-cognition#8", "--max_steps", "1",
                 env={"NNODES": "2"})
    assert proc.returncode == 2 and "MASTER_ADDR" in proc.stderr


def test_two_nodes_rendezvous_through_master_addr_and_port(tiny_model, tmp_path, one_process_run):
    """NNODES=2 with NODE_RANK 0/1 (both on 127.0.0.1, one process each) trains like the 1-process run;
    only node 0 (global rank 0) writes a run folder."""
    port = launch._free_port()
    base = {**os.environ, "NNODES": "2", "NPROC_PER_NODE": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
            "PYTHONUNBUFFERED": "1"}
    base.pop("YICHUI_DEBUG", None)
    args = [sys.executable, "-m", "swift_cli", "sft", *COMMON, "--model", str(tiny_model),
            "--per_device_train_batch_size", "4"]
    nodes = [subprocess.Popen([*args, "--output_dir", str(tmp_path / f"node{r}")], cwd=REPO,
                              env={**base, "NODE_RANK": str(r)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for r in (1, 0)]
    outs = [n.communicate(timeout=300) for n in nodes]
    assert [n.returncode for n in nodes] == [0, 0], outs[1][1][-2000:]
    assert not list((tmp_path / "node1").glob("v*"))            # global rank 1 writes no run folder
    assert losses(run_dir(tmp_path / "node0")) == pytest.approx(losses(run_dir(one_process_run[1])), rel=1e-3)
    assert f"rank 1/2 step {STEPS}/{STEPS}" in next((tmp_path / "node1").rglob("stderr.log")).read_text()
