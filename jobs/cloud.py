"""The cloud backend: a temporary GPU machine through SkyPilot, which lives in its own environment (it pins
uvicorn/click/bcrypt versions that conflict with ours), so it is called through its CLI (`sky_bin`), never
imported here.

- The accelerator is the planner's pick: the cheapest built-in hardware profile where the job's own argv fits
  (jobs/admission.plan_for with --hardware), among the machine types the sandbox allows.
- The task: `workdir` is this project (SkyPilot copies it to the machine), setup runs scripts/yichuidingyin.sh
  --install-only, run is the job's exact argv (shell-quoted word by word, after our own checks) under a
  `timeout` (SkyPilot has no max-runtime field; our service also stops the job and tears the machine down), and
  autostop with down=True maps idle time to teardown.
- Cancel and the runtime cap run `sky down -y <cluster>`."""
from __future__ import annotations

import shlex
import subprocess
import time
from pathlib import Path

from jobs.meta import update_meta

REPO = Path(__file__).resolve().parents[1]
# hardware profile (hardware/profiles.py) → SkyPilot accelerator name
SKY_ACCELERATORS = {"t4": "T4", "l4": "L4", "a10g": "A10G", "l40s": "L40S", "a6000": "RTXA6000", "v100": "V100",
                    "a100-40g": "A100", "a100-80g": "A100-80GB", "h100": "H100", "h200": "H200"}
REMOTE_SWIFT = "~/.yichui/venv/bin/swift"


def pick_machine(command: str, argv: list[str], allowed: tuple[str, ...] = ("*",)) -> dict | None:
    """{'profile', 'accelerator', 'price_per_h', 'peak_gib'} of the cheapest allowed machine where the job fits."""
    from hardware.profiles import list_profiles
    from jobs.admission import plan_for

    ok = {a.lower() for a in allowed}
    for row in list_profiles():
        acc = SKY_ACCELERATORS.get(row["name"])
        if acc is None or ("*" not in ok and acc.lower() not in ok and row["name"] not in ok):
            continue
        rest = [a for a in argv[1:]]
        if "--hardware" in rest:
            i = rest.index("--hardware")
            del rest[i:i + 2]
        plan = plan_for(command, rest + ["--hardware", row["name"]])
        if plan is not None and plan.fits:
            return {"profile": row["name"], "accelerator": acc, "price_per_h": row["hourly_usd"],
                    "peak_gib": round(plan.peak_bytes / 2**30, 2)}
    return None


def remote_argv(argv: list[str], job_id: int) -> list[str]:
    """The job's argv with its output folder on the machine (the local job folder does not exist there)."""
    out = list(argv)
    if "--output_dir" in out:
        i = out.index("--output_dir")
        del out[i:i + 2]
    return out + ["--output_dir", f"yichui-job-{job_id}/output"]


def task_config(job_id: int, argv: list[str], accelerator: str, idle_minutes: float, max_runtime_s: float,
                workdir: Path = REPO) -> dict:
    """The SkyPilot task (its YAML as a dict; `sky.Task.from_yaml_config` accepts it) for one job."""
    run = shlex.join(["timeout", "--signal=INT", "--kill-after=120", str(int(max_runtime_s)), "SWIFT",
                      *remote_argv(argv, job_id)]).replace("SWIFT", REMOTE_SWIFT, 1)
    return {
        "name": f"yichui-job-{job_id}",
        "workdir": str(workdir),
        "resources": {"accelerators": f"{accelerator}:1",
                      "autostop": {"idle_minutes": max(1, int(idle_minutes)), "down": True}},
        "envs": {"PYTHONUNBUFFERED": "1"},
        "setup": "bash scripts/yichuidingyin.sh --install-only",
        "run": run,
    }


def cluster_name(job_id: int) -> str:
    return f"yichui-job-{job_id}"


def launch(store, job_id: int, task: dict, sky_bin: str = "sky") -> None:
    """Write task.yaml to the job's folder and start `sky launch` (detached, through jobs.wrap so its exit code
    lands in the job folder like any job's). Secrets (HF_TOKEN) are passed by name with --env, never written."""
    import os

    import yaml

    job = store.table.get(job_id)
    job_dir = Path(job.job_dir)
    (job_dir / "task.yaml").write_text(yaml.safe_dump(task, sort_keys=False, allow_unicode=True), encoding="utf-8")
    cmd = [store.python, "-m", "jobs.wrap", str(job_dir / "exit_code"), "--", sky_bin, "launch", "-y", "--down",
           "-c", cluster_name(job_id), *[x for var in ("HF_TOKEN", "MODELSCOPE_API_TOKEN") if os.environ.get(var)
                                          for x in ("--env", var)], str(job_dir / "task.yaml")]
    try:
        with open(job_dir / "stdout.log", "ab") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
    except OSError as exc:
        store.table.update(job_id, status="failed", reason=f"launch failed: {exc}", ended=time.time())
        return
    store.table.update(job_id, status="running", pid=proc.pid, started=time.time())
    update_meta(job_dir, cluster=cluster_name(job_id), sky_bin=sky_bin)


def failure_line(job) -> str | None:
    """The last non-empty line `sky launch` printed (why a launch failed)."""
    log = Path(job.job_dir) / "stdout.log"
    lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()] if log.is_file() else []
    return f"launch failed: {lines[-1]}" if lines else None


def teardown(job_id: int, sky_bin: str = "sky", timeout: float = 600) -> int:
    """`sky down -y <cluster>`: the machine goes away (returns sky's exit code; 127 when sky is missing)."""
    try:
        return subprocess.run([sky_bin, "down", "-y", cluster_name(job_id)], capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=timeout).returncode
    except FileNotFoundError:
        return 127
