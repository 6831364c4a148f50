"""JobStore: submit, list, follow, stop and resume jobs; the API every front door (CLI, web UI, bot) calls."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from jobs.admission import admit
from jobs.events import END_ID, read_events
from jobs.table import ACTIVE, Job, Table

GRACE_S = 30.0
# Where a command writes into the job's folder when the argv names no place: eval has its own flag, a server none.
OUTPUT_FLAG = {"eval": "--eval_output_dir", "deploy": None, "app": None}


def home() -> Path:
    """$YICHUI_HOME, else ~/.yichui."""
    return Path(os.environ.get("YICHUI_HOME") or Path.home() / ".yichui")


def render_job_argv(command: str, values: dict[str, Any]) -> list[str]:
    """[command, --flag, value, ...] from option values, through the one renderer."""
    from swift_cli.options.render import command_config, render_argv

    return [command, *render_argv(command_config(command), values)]


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of this process counts as ended
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def _adopt_uploads(staged: Path, dest: Path, argv: list[str]) -> list[str]:
    """Move staged upload files into the job's folder and point the argv's values at their new place."""
    for f in staged.iterdir() if staged.is_dir() else []:
        if f.is_file():
            os.replace(f, dest / f.name)
    prefix = str(staged) + os.sep
    return [str(dest / a[len(prefix):]) if a.startswith(prefix) else a for a in argv]


class JobStore:
    """Jobs in SQLite at `root`/jobs.db, each with a folder `root`/jobs/<id>/ (stdout.log, exit_code, output/)."""

    def __init__(self, root: Path | None = None, python: str | None = None):
        self.root = Path(root) if root else home()
        self.table = Table(self.root / "jobs.db")
        self.python = python or sys.executable

    # --- submit ---------------------------------------------------------------------------------------------
    def submit(self, command: str, values: dict[str, Any], user: str = "local",
               limits: dict[str, int] | None = None) -> Job:
        """Submit `swift command` with these option values (the typed config's values). output_dir defaults to
        the job's own folder. Returns the Job: running, queued (with reason) or refused (with reason)."""
        return self.submit_argv(render_job_argv(command, values), user=user, limits=limits)

    def submit_argv(self, argv: list[str], user: str = "local", uploads: Path | None = None,
                    limits: dict[str, int] | None = None) -> Job:
        """Submit an argv already rendered (e.g. a config parsed from the command line and rendered back).
        `uploads`: a staging folder whose files move into the job's uploads/ (argv paths under it follow).
        `limits`: OS resource limits of the job's process, kept in its folder for resume ({memory|file|cpu: N},
        jobs/wrap.py)."""
        command, rest = argv[0], list(argv[1:])
        job_id = self.table.insert(user, command, [], "new")
        job_dir = self.root / "jobs" / str(job_id)
        (job_dir / "uploads").mkdir(parents=True, exist_ok=True)
        if uploads is not None:
            rest = _adopt_uploads(Path(uploads), job_dir / "uploads", rest)
        if limits:
            (job_dir / "limits.json").write_text(json.dumps(limits), encoding="utf-8")
        flag = OUTPUT_FLAG.get(command, "--output_dir")
        if flag and flag not in rest:
            rest += [flag, str(job_dir / "output")]
        verdict = admit(command, rest, self._running_peaks())
        status = {"start": "queued", "queue": "queued", "refuse": "refused"}[verdict.action]
        self.table.update(job_id, argv=[command, *rest], job_dir=str(job_dir), status=status,
                          reason=verdict.reason, predicted_peak=min(verdict.peak, 2**63 - 1) if verdict.peak else None)
        if verdict.action == "start":
            self._start(self.table.get(job_id))
        return self.table.get(job_id)

    def _running_peaks(self) -> list[int]:
        return [j.predicted_peak or 0 for j in self.table.all(("running",))]

    def _start(self, job: Job, argv: list[str] | None = None) -> None:
        job_dir = Path(job.job_dir)
        exit_file = job_dir / "exit_code"
        exit_file.unlink(missing_ok=True)
        limits_file = job_dir / "limits.json"
        limits = json.loads(limits_file.read_text(encoding="utf-8")) if limits_file.is_file() else {}
        cmd = [self.python, "-m", "jobs.wrap", str(exit_file),
               *[a for name, value in sorted(limits.items()) for a in ("--limit", f"{name}={int(value)}")],
               "--", self.python, "-m", "swift_cli", *(argv or job.argv)]
        with open(job_dir / "stdout.log", "ab") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.table.update(job.id, status="running", pid=proc.pid, started=time.time(), ended=None, exit_code=None,
                          reason=None)

    # --- state ----------------------------------------------------------------------------------------------
    def get(self, job_id: int) -> Job | None:
        """The job, its row refreshed from its folder first."""
        self.refresh()
        return self.table.get(job_id)

    def list(self, user: str | None = None) -> list[Job]:
        self.refresh()
        return self.table.all(user=user)

    def refresh(self) -> None:
        """Bring running rows up to date from their folders (exit file, logging.jsonl), then start queued jobs
        that now fit. Safe to call from any process, any time (a restarted UI calls it first)."""
        for job in self.table.all(("running",)):
            self._update_running(job)
        for job in self.table.all(("queued",)):
            verdict = admit(job.command, job.argv[1:], self._running_peaks())
            if verdict.action == "start":
                self._start(job)
            elif verdict.action == "refuse":
                self.table.update(job.id, status="refused", reason=verdict.reason)

    def _update_running(self, job: Job) -> None:
        job_dir = Path(job.job_dir)
        runs = self.run_dirs(job)
        values: dict[str, Any] = {"run_dir": str(runs[-1]) if runs else None}
        steps = [d for _, _, d in read_events(runs) if "step" in d and "loss" in d]
        if steps:
            values["last_step"], values["last_loss"] = steps[-1]["step"], steps[-1]["loss"]
        exit_file = job_dir / "exit_code"
        if exit_file.is_file():
            code = int(exit_file.read_text().strip() or 1)
            status = "done" if code == 0 else "stopped" if code == 130 else "failed"
            values |= {"status": status, "exit_code": code, "ended": exit_file.stat().st_mtime}
            if status == "failed":
                values["reason"] = self.failure_hint(job)
        elif not _alive(job.pid):
            values |= {"status": "failed", "ended": time.time(), "reason": "the job's process vanished"}
        self.table.update(job.id, **values)

    def failure_hint(self, job: Job) -> str | None:
        """The last `error:` line the swift process printed (its one-line failure hint)."""
        log = Path(job.job_dir) / "stdout.log"
        lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.startswith("error:")] \
            if log.is_file() else []
        return lines[-1] if lines else None

    def run_dirs(self, job: Job) -> list[Path]:
        """The job's run folders, first run first (a resume adds one)."""
        out = Path(job.job_dir) / "output"
        if not out.is_dir():
            return []
        found = [p for p in out.iterdir() if p.is_dir() and p.name.startswith("v") and "-" in p.name
                 and p.name[1:].split("-")[0].isdigit()]
        return sorted(found, key=lambda p: int(p.name[1:].split("-")[0]))

    # --- events ---------------------------------------------------------------------------------------------
    def events(self, job_id: int, after: int = 0) -> list[tuple[int, str, dict]]:
        """(id, kind, data) newer than `after`: the run folders' records, then ('status', {...}) with id END_ID
        once the job has ended. A client that saw id N asks again with after=N and gets each record once."""
        job = self.get(job_id)
        if job is None:
            return []
        out = read_events(self.run_dirs(job), after)
        if job.status not in ACTIVE and after < END_ID:
            out.append((END_ID, "status", {"status": job.status, "exit_code": job.exit_code, "reason": job.reason}))
        return out

    def log_tail(self, job_id: int, lines: int = 40) -> list[str]:
        job = self.table.get(job_id)
        log = Path(job.job_dir) / "stdout.log" if job else None
        return log.read_text(errors="replace").splitlines()[-lines:] if log and log.is_file() else []

    # --- stop / resume --------------------------------------------------------------------------------------
    def stop(self, job_id: int, grace: float = GRACE_S) -> Job:
        """SIGINT to the job's session (what Ctrl-C sends: checkpoint, exit 130); SIGKILL after `grace` s.
        A queued job is just marked stopped."""
        job = self.get(job_id)
        if job.status == "queued":
            self.table.update(job_id, status="stopped", ended=time.time())
        elif job.status == "running" and job.pid:
            try:
                os.killpg(job.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and not (Path(job.job_dir) / "exit_code").is_file():
                time.sleep(0.2)
            if not (Path(job.job_dir) / "exit_code").is_file():
                try:
                    os.killpg(job.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.table.update(job_id, status="stopped", exit_code=137, ended=time.time())
        return self.get(job_id)

    def resume(self, job_id: int) -> Job:
        """Run the job again from its last complete checkpoint (--resume_from_checkpoint, the command a stopped
        run prints); without a checkpoint it starts over. The resumed run appends to the same run folder's logging.jsonl; event ids continue."""
        from swift_cli.engine.runs import last_checkpoint

        job = self.get(job_id)
        if job.status in ACTIVE:
            return job
        ckpt = None
        for rd in reversed(self.run_dirs(job)):
            if ckpt := last_checkpoint(rd, complete=True):
                break
        argv = [a for a in job.argv]
        if "--resume_from_checkpoint" in argv:
            i = argv.index("--resume_from_checkpoint")
            del argv[i:i + 2]
        if ckpt:
            argv += ["--resume_from_checkpoint", str(ckpt)]
        self.table.update(job_id, argv=argv)
        self._start(self.table.get(job_id), argv)
        return self.get(job_id)
