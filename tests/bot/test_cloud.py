"""The cloud backend offline: the SkyPilot task built for `.finetune qwen-7b-lora wiki_zh` (the planner's
accelerator, setup through scripts/yichuidingyin.sh, the job's exact argv under a timeout, autostop with
teardown), and what the service does when a launch fails and when a cloud job is cancelled. No cloud exists here,
so the `sky` CLI is a stand-in script (mocked: no cloud credentials or network), named in each test."""
from __future__ import annotations

import os
import re
import shlex
import stat
import time

import pytest

from bot.config import BotConfig, Limits
from bot.finetune import build
from bot.service import BotService, Ctx
from jobs import JobStore
from jobs.cloud import pick_machine, task_config
from jobs.meta import read_meta
from jobs.store import render_job_argv
from tests.conftest import REPO


def test_task_for_qwen7b_lora_wiki_zh(tmp_path):
    ft = build(["qwen-7b-lora", "wiki_zh"], tmp_path / "tiny", tmp_path / "up")
    argv = render_job_argv(ft.command, ft.values)
    machine = pick_machine(ft.command, argv)
    assert machine["accelerator"] == "L4" and machine["peak_gib"] < 23        # cheapest profile where it fits
    assert pick_machine(ft.command, argv, ("T4",)) is None                    # 16 GiB: the planner says no
    assert pick_machine(ft.command, argv, ("A100-80GB",))["accelerator"] == "A100-80GB"
    task = task_config(7, argv, machine["accelerator"], idle_minutes=30, max_runtime_s=86400)
    assert task["resources"] == {"accelerators": "L4:1", "autostop": {"idle_minutes": 30, "down": True}}
    assert task["setup"] == "bash scripts/yichuidingyin.sh --install-only" and task["workdir"] == str(REPO)
    lines = task["run"].splitlines()
    assert lines[:3] == ["set -o pipefail", 'PY="${YICHUI_PYTHON:-$HOME/.yichui/venv/bin/python}"',
                         "mkdir -p yichui-job-7"]
    words = shlex.split(lines[3])
    assert words[:8] == ["timeout", "--signal=INT", "--kill-after=120", "86400", "$PY", "-m", "swift_cli", "sft"]
    assert words[8:-4] == [*argv[1:], "--output_dir", "yichui-job-7/output"]   # the job's exact argv
    assert words[-4:] == ["2>&1", "|", "tee", "yichui-job-7/train.log"]
    assert lines[3].startswith('timeout --signal=INT --kill-after=120 86400 "$PY" -m swift_cli sft --model '
                               "Qwen/Qwen2.5-7B-Instruct --dataset wikipedia-zh --train_type lora")
    assert lines[4:] == ["code=$?", '"$PY" -m jobs.push yichui-job-7 7 "$code"', 'exit "$code"']
    assert "secrets" not in task                                                # a local store: nothing to push to
    s3 = task_config(7, argv, "L4", 30, 86400, store={"kind": "s3", "bucket": "b", "endpoint": "https://oss.example"})
    assert s3["envs"] == {"PYTHONUNBUFFERED": "1", "YICHUI_S3_BUCKET": "b", "YICHUI_S3_ENDPOINT": "https://oss.example"}
    assert s3["secrets"] == {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}    # names only, no values
    assert s3["setup"] == "bash scripts/yichuidingyin.sh --install-only --extras bot"        # boto3 for the upload
    run = s3["run"].splitlines()                    # the machine copies its log to the store while it trains
    assert run[3:5] == ['"$PY" -m jobs.push_progress yichui-job-7 7 30 &', "pusher=$!"]
    assert run[5].startswith("timeout --signal=INT") and run[6:8] == ["code=$?", 'kill "$pusher" 2>/dev/null']
    scored = task_config(7, [*argv, "--eval_use_evalscope", "true"], "L4", 30, 86400, store={"kind": "s3", "bucket": "b"})
    assert scored["setup"].endswith("--extras bot,eval")


FAKE_SKY = """#!/bin/sh
# stand-in for SkyPilot's CLI (mocked: no cloud here): records its argv, then fails or runs long
echo "$@" >> "{calls}"
if [ "$1" = launch ] && [ "{mode}" = fail ]; then
  echo "Launching a new cluster 'yichui-job-1'."
  echo "sky.exceptions.NoCloudAccessError: No cloud access available. Run: sky check"
  exit 1
fi
if [ "$1" = launch ]; then echo "Launching a new cluster 'yichui-job-1'."; exec sleep 300; fi
exit 0
"""


def _fake_sky(tmp_path, mode: str):
    calls = tmp_path / "sky-calls.log"
    sky = tmp_path / "sky"
    sky.write_text(FAKE_SKY.format(calls=calls, mode=mode))
    sky.chmod(sky.stat().st_mode | stat.S_IEXEC)
    return str(sky), calls


def _service(tmp_path, sky: str, monkeypatch) -> BotService:
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    cfg = BotConfig(backend="cloud", sky_bin=sky, progress_interval_s=0.0, sample_prompts=(), admins=("root",),
                    limits=Limits(idle_minutes=30, max_runtime_s=3600))
    return BotService(cfg, JobStore(tmp_path / "home"))


def _final(svc: BotService, timeout: float = 120.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        final = [o for o in svc.poll() if o.final]
        if final:
            return final[0].text
        time.sleep(0.3)
    raise AssertionError(svc.store.log_tail(1))


def test_failed_launch_mocked_no_cloud(tmp_path, monkeypatch):
    sky, calls = _fake_sky(tmp_path, "fail")
    svc = _service(tmp_path, sky, monkeypatch)
    outs = svc.handle(Ctx("alice"), ".finetune qwen-7b-lora wiki_zh max_steps=100")
    assert outs[0].text.startswith("job 1 running on cloud L4: swift sft --model Qwen/Qwen2.5-7B-Instruct"), outs
    job_dir = svc.store.root / "jobs" / "1"
    assert (job_dir / "task.yaml").is_file() and "accelerators: L4:1" in (job_dir / "task.yaml").read_text()
    text = _final(svc)
    assert text == "job 1 failed: launch failed: sky.exceptions.NoCloudAccessError: No cloud access available. " \
                   "Run: sky check"
    launch = calls.read_text().splitlines()[0].split()
    assert launch[:5] == ["launch", "-y", "--down", "-c", "yichui-job-1"] and launch[-1] == str(job_dir / "task.yaml")
    assert svc.store.get(1).status == "failed"


def test_cancel_tears_the_machine_down_mocked_no_cloud(tmp_path, monkeypatch):
    sky, calls = _fake_sky(tmp_path, "run")
    svc = _service(tmp_path, sky, monkeypatch)
    svc.handle(Ctx("alice"), ".finetune qwen-7b-lora wiki_zh")
    assert svc.store.get(1).status == "running"
    end = time.monotonic() + 60
    while not (calls.is_file() and "launch" in calls.read_text()):      # `sky launch` is under way
        assert time.monotonic() < end
        time.sleep(0.1)
    (reply,) = svc.handle(Ctx("root"), ".cancel 1")                        # an admin cancels alice's job
    assert reply.text == "job 1: stopping (a checkpoint is saved first)"
    text = _final(svc)
    assert text.startswith("job 1 stopped: cancelled by root"), text
    assert "down -y yichui-job-1" in calls.read_text()                      # the machine is torn down
    assert svc.store.get(1).status == "stopped"


@pytest.mark.skipif(not os.environ.get("YICHUI_SKY_PYTHON"), reason="needs SkyPilot in its own venv (scripts/run_tests.sh makes one): "
                    "YICHUI_SKY_PYTHON=/path/to/sky-venv/bin/python (it cannot share the project's venv)")
def test_task_round_trips_through_skypilot(tmp_path):
    import json
    import subprocess

    ft = build(["qwen-7b-lora", "wiki_zh"], tmp_path / "tiny", tmp_path / "up")
    task = task_config(7, render_job_argv(ft.command, ft.values), "L4", 30, 86400,
                       store={"kind": "s3", "bucket": "b", "endpoint": "https://oss.example"})
    code = ("import json,sys,sky; t=sky.Task.from_yaml_config(json.loads(sys.argv[1])); "
            "r=list(t.resources)[0]; a=r.autostop_config; "
            "s=sky.Task.from_yaml_config(json.loads(sys.argv[1]), secrets_overrides=[('AWS_ACCESS_KEY_ID', 'k'), "
            "('AWS_SECRET_ACCESS_KEY', 's')]); "
            "print(json.dumps([t.run, str(r.accelerators), t.setup, a.idle_minutes, a.down, t.envs, sorted(s.secrets)]))")
    out = subprocess.run([os.environ["YICHUI_SKY_PYTHON"], "-c", code, json.dumps(task)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    run, acc, setup, idle, down, envs, secrets = json.loads(out.stdout.strip().splitlines()[-1])
    assert run == task["run"] and acc == "{'L4': 1}" and setup == task["setup"] and (idle, down) == (30, True)
    assert envs["YICHUI_S3_BUCKET"] == "b" and secrets == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]

MACHINE_SKY = """#!{python}
# Stand-in for SkyPilot's CLI (mocked: no cloud here). `launch` does on this machine what SkyPilot does on the
# cloud one: the task's envs, plus the secrets named with --secret (values from this environment; any other
# credential is removed), then the task's `run` with bash in the machine's folder.
import os, subprocess, sys, yaml
args = sys.argv[1:]
with open({calls!r}, "a") as fh:
    fh.write(" ".join(args) + "\\n")
if args[0] != "launch":
    sys.exit(0)
task = yaml.safe_load(open(args[-1]))
named = [args[i + 1] for i, a in enumerate(args) if a == "--secret"]
env = {{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}}
env.update(task["envs"])
env.update({{k: os.environ[k] for k in named}})
missing = [k for k in task.get("secrets") or {{}} if k not in env]
if missing:
    sys.exit("ValueError: secrets not set: " + ", ".join(missing))
os.makedirs({machine!r}, exist_ok=True)
sys.exit(subprocess.call(["bash", "-c", task["run"]], cwd={machine!r}, env=env))
"""


def test_mock_cloud_outputs_come_back_through_real_s3(home, seaweed, tmp_path, monkeypatch):
    """The cloud machine is this one (mocked: the task's run script executed locally by a stand-in `sky`); the
    artifact store is a real SeaweedFS server. While it trains, the machine copies its logging.jsonl to the store
    (jobs/push_progress.py) and the bot edits the progress message from it; the machine's final upload is what
    the bot links to."""
    import hashlib
    import sys
    import urllib.request

    from tests.bot.conftest import S3_KEY, S3_SECRET

    machine, calls = tmp_path / "machine", tmp_path / "sky-calls.log"
    sky = tmp_path / "sky"
    sky.write_text(MACHINE_SKY.format(python=sys.executable, calls=str(calls), machine=str(machine)))
    sky.chmod(sky.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    monkeypatch.setenv("YICHUI_PYTHON", sys.executable)             # the machine's project install
    cfg = BotConfig(backend="cloud", sky_bin=str(sky), progress_interval_s=0.0, sample_prompts=(),
                    store={"kind": "s3", "bucket": "yichui-cloud", "endpoint": seaweed, "ttl_s": 600,
                           "progress_every_s": 0.5})
    svc = BotService(cfg, JobStore(home))
    outs = svc.handle(Ctx("alice"), ".finetune tiny-lora self-cognition max_steps=4 save_steps=4 logging_steps=1")
    assert outs[0].text.startswith("job 1 running on cloud "), outs[0].text
    assert "jobs.push_progress yichui-job-1 1 0.5 &" in (home / "jobs" / "1" / "task.yaml").read_text()
    edits, text, end = [], None, time.monotonic() + 400
    while text is None:
        assert time.monotonic() < end, svc.store.log_tail(1)
        running = svc.store.get(1).status == "running"
        for out in svc.poll():
            edits += [out.text] if out.key and running else []
            text = out.text if out.final else text
        time.sleep(0.3)
    mid = [e for e in edits if re.search(r"· step [1-4]/4 · .*loss \d", e)]
    assert mid and all(" · cloud " in e for e in mid), edits                 # progress from the machine's log
    assert text.startswith("job 1 done"), (text, svc.store.log_tail(1))
    (ckpt,) = machine.glob("yichui-job-1/output/v*/checkpoint-4")
    want = hashlib.sha256((ckpt / "adapter_model.safetensors").read_bytes()).hexdigest()
    link, digest = re.search(r"adapter: (http://127\.0\.0\.1:\d+/yichui-cloud/job-1/machine/adapter_model"
                             r"\.safetensors\?\S+) \(sha256 ([0-9a-f]{64})\)", text).groups()
    assert "X-Amz-Expires=600" in link and digest == want
    with urllib.request.urlopen(link, timeout=30) as resp:           # the machine's bytes, from the store
        assert hashlib.sha256(resp.read()).hexdigest() == want
    assert re.search(r"trained on the machine: step 4, loss \d+\.\d{3} → \d+\.\d{3}", text), text
    assert "machine report: http://127.0.0.1:" in text and "training log: http://127.0.0.1:" in text
    record = read_meta(svc.store.get(1).job_dir)["record"]
    assert record["steps"] == 4 and record["loss_first"] is not None             # the benchmark row has the losses
    launch = calls.read_text().splitlines()[0]
    assert "--secret AWS_ACCESS_KEY_ID --secret AWS_SECRET_ACCESS_KEY" in launch
    for f in [calls, *home.rglob("*.yaml"), *home.rglob("*.log"), *home.rglob("*.json*"), *machine.rglob("*.log")]:
        assert S3_SECRET not in f.read_text(errors="replace"), f                  # never written or logged
    assert svc.artifacts.read("job-1/machine/progress/logging.jsonl")          # what the machine copied meanwhile


def test_mock_cloud_eval_score_in_the_final_reply_through_real_s3(home, seaweed, monkeypatch):
    """A cloud job that asked for eval: the machine's final upload (jobs/push.py, run here: mocked machine) carries
    its evalscope_eval scores to the real S3 server; the bot brings them home and the final reply has the score
    with its interval, kept in the job table. The scores are written in the layout the training's EvalScope
    callback writes (a real scored run takes ~3 min: tests/eval/test_eval_training.py covers that layout)."""
    import json

    from jobs.meta import update_meta
    from jobs.push import push
    from tests.bot.conftest import S3_KEY, S3_SECRET
    from tests.bot.test_eval_reply import _run

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    store = {"kind": "s3", "bucket": "yichui-cloud-eval", "endpoint": seaweed, "ttl_s": 600}
    svc = BotService(BotConfig(progress_interval_s=0.0, sample_prompts=(), store=store), JobStore(home))
    job_id = svc.store.table.insert("alice", "sft", ["sft", "--eval_use_evalscope", "true"], "running")
    job_dir = svc.store.root / "jobs" / str(job_id)
    job_dir.mkdir(parents=True)
    machine = home.parent / "machine" / f"yichui-job-{job_id}"               # the cloud machine's job folder
    run = _run(machine)
    (run / "logging.jsonl").write_text("".join(json.dumps({"step": s, "max_steps": 6, "loss": 2.0 - s / 10,
                                                           "time": time.time()}) + "\n" for s in (1, 6)))
    (machine / "train.log").write_text("training\n")
    env = {"YICHUI_S3_BUCKET": store["bucket"], "YICHUI_S3_ENDPOINT": seaweed}
    manifest = push(machine, job_id, 0, env=env)
    assert "evalscope_eval/checkpoint-6/20260101-000000/predictions.jsonl" in manifest
    (job_dir / "exit_code").write_text("0")
    svc.store.table.update(job_id, job_dir=str(job_dir), started=time.time() - 60, pid=1)
    update_meta(job_dir, platform="console", channel="console", notified="accepted", backend="cloud",
                machine="cloud L4", price_per_h=0.7)
    svc.reattach("console")
    (text,) = [o.text for _ in range(3) for o in svc.poll() if o.final]
    assert text.startswith(f"job {job_id} done") and "trained on the machine: step 6, loss 1.900 → 1.400" in text
    assert "\neval yichui_mcq: 0.750 (95% CI " in text and "at checkpoint-6; base 0.250, change +0.500" in text
    assert svc.store.get(job_id).score == 0.75
    assert read_meta(job_dir)["record"]["eval"][0]["score"] == 0.75
