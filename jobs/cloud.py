"""The cloud backend: a temporary GPU machine through SkyPilot, which lives in its own environment (it pins
uvicorn/click/bcrypt versions that conflict with ours), so it is called through its CLI (`sky_bin`), never
imported here.

- The accelerator is the planner's pick: the cheapest built-in hardware profile where the job's own argv fits
  (jobs/admission.plan_for with --hardware), among the machine types the sandbox allows.
- The task: `workdir` is this project (SkyPilot copies it to the machine), setup runs scripts/yichuidingyin.sh
  --install-only, run is the job's exact argv (shell-quoted word by word, after our own checks) under a
  `timeout` (SkyPilot has no max-runtime field; our service also stops the job and tears the machine down), then
  jobs/push.py uploads the adapter, report and logs to the S3 artifact store (they come back before the machine
  goes), and autostop with down=True maps idle time to teardown.
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
REMOTE_PYTHON = "$HOME/.yichui/venv/bin/python"      # where scripts/yichuidingyin.sh installs the project
STORE_ENVS = {"bucket": "YICHUI_S3_BUCKET", "endpoint": "YICHUI_S3_ENDPOINT", "region": "YICHUI_S3_REGION",
              "prefix": "YICHUI_S3_PREFIX"}
# Passed with `sky launch --secret NAME` (the value from this process's environment; SkyPilot redacts secrets):
# never written to task.yaml, never on a command line with its value, never logged.
SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "HF_TOKEN", "MODELSCOPE_API_TOKEN")


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


def run_script(job_id: int, argv: list[str], max_runtime_s: float, progress_every_s: float | None = None) -> str:
    """The task's `run`: the job's exact argv (shell-quoted word by word, after our own checks) under a `timeout`
    (SIGINT: a checkpoint first), its output teed to train.log, then jobs/push.py uploads the adapter, report and
    logs to the artifact store whatever the exit code, and the training's exit code is the task's. With
    `progress_every_s` (an S3 store), jobs/push_progress.py copies the growing logging.jsonl to the store meanwhile
    (the bot's progress edits), and is stopped when the training ends."""
    folder = f"yichui-job-{job_id}"
    train = shlex.join(["timeout", "--signal=INT", "--kill-after=120", str(int(max_runtime_s)), "@PY@", "-m",
                        "swift_cli", *remote_argv(argv, job_id)]).replace("@PY@", '"$PY"', 1)
    follow = [f'"$PY" -m jobs.push_progress {folder} {int(job_id)} {progress_every_s:g} &', "pusher=$!"] \
        if progress_every_s else []
    return "\n".join([
        "set -o pipefail",
        f'PY="${{YICHUI_PYTHON:-{REMOTE_PYTHON}}}"',
        f"mkdir -p {folder}",
        *follow,
        f"{train} 2>&1 | tee {folder}/train.log",
        "code=$?",
        *(['kill "$pusher" 2>/dev/null'] if follow else []),
        f'"$PY" -m jobs.push {folder} {int(job_id)} "$code"',
        'exit "$code"',
    ]) + "\n"


def task_config(job_id: int, argv: list[str], accelerator: str, idle_minutes: float, max_runtime_s: float,
                workdir: Path = REPO, store: dict | None = None) -> dict:
    """The SkyPilot task (its YAML as a dict; `sky.Task.from_yaml_config` accepts it) for one job. With an S3
    artifact store, its name goes into `envs` and its credentials are required `secrets` (values never here)."""
    from jobs.evalscore import asked_for_eval

    envs = {"PYTHONUNBUFFERED": "1"}
    s3 = (store or {}).get("kind") == "s3"
    extras = [name for name, needed in (("bot", s3), ("eval", asked_for_eval(argv))) if needed]   # boto3, evalscope
    task = {
        "name": f"yichui-job-{job_id}",
        "workdir": str(workdir),
        "resources": {"accelerators": f"{accelerator}:1",
                      "autostop": {"idle_minutes": max(1, int(idle_minutes)), "down": True}},
        "envs": envs,
        "setup": "bash scripts/yichuidingyin.sh --install-only" + (f" --extras {','.join(extras)}" if extras else ""),
        "run": run_script(job_id, argv, max_runtime_s, float(store.get("progress_every_s", 30)) if s3 else None),
    }
    if s3:
        envs |= {env: str(store[key]) for key, env in STORE_ENVS.items() if store.get(key)}
        task["secrets"] = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
    return task


def cluster_name(job_id: int) -> str:
    return f"yichui-job-{job_id}"


def launch(store, job_id: int, task: dict, sky_bin: str = "sky") -> None:
    """Write task.yaml to the job's folder and start `sky launch` (detached, through jobs.wrap so its exit code
    lands in the job folder like any job's). Secrets are passed by name with --secret (SkyPilot reads each value
from the environment it inherits), never written."""
    import os

    import yaml

    job = store.table.get(job_id)
    job_dir = Path(job.job_dir)
    class Dumper(yaml.SafeDumper):      # the run script as a literal block, readable in task.yaml
        pass

    Dumper.add_representer(str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v,
                                                                style="|" if "\n" in v else None))
    (job_dir / "task.yaml").write_text(yaml.dump(task, Dumper=Dumper, sort_keys=False, allow_unicode=True),
                                       encoding="utf-8")
    cmd = [store.python, "-m", "jobs.wrap", str(job_dir / "exit_code"), "--", sky_bin, "launch", "-y", "--down",
           "-c", cluster_name(job_id), *[x for var in SECRETS if os.environ.get(var) for x in ("--secret", var)],
           str(job_dir / "task.yaml")]
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
