"""`swift jobs submit|list|show|logs|stop|resume`: the job core (jobs/) for scripts."""
from __future__ import annotations

import json
import time

from swift_cli.errors import UsageError

USAGE = ("swift jobs submit COMMAND [--flag value ...] | list | show ID | logs ID [--follow] | stop ID | "
         "resume ID   (jobs live in $YICHUI_HOME/jobs.db)")


def _id(args: list[str]) -> int:
    if not args or not args[0].isdigit():
        raise UsageError(f"a job id is required (see `swift jobs list`); usage: {USAGE}")
    return int(args[0])


def _submit(store, args: list[str]) -> int:
    from swift_cli.app import COMMANDS
    from swift_cli.options.declare import given_values
    from swift_cli.options.parse import parse_command
    from swift_cli.options.render import command_config

    if not args or args[0] not in COMMANDS or args[0] == "jobs":
        raise UsageError(f"swift jobs submit: name a command first (e.g. sft); usage: {USAGE}")
    _, cfg = parse_command(command_config(args[0]), args[1:])  # bad flags fail here, before anything runs
    job = store.submit(args[0], given_values(cfg))
    print(f"job {job.id}: {job.status}" + (f" ({job.reason})" if job.reason else ""))
    return 5 if job.status == "refused" else 0


def _show(job) -> None:
    """The job row, and for a job the bot finished its structured record (the benchmark row: machine, model,
    method, predicted and measured peak, throughput, loss trend, wall time, cost)."""
    from jobs.meta import read_meta

    row = job.to_dict()
    record = read_meta(job.job_dir).get("record") if job.job_dir else None
    print(json.dumps(row | ({"record": record} if record else {}), indent=2, ensure_ascii=False, default=str))


def _logs(store, job_id: int, follow: bool) -> None:
    after = 0
    while True:
        for ev_id, kind, data in store.events(job_id, after):
            after = ev_id
            print(json.dumps({"id": ev_id, "kind": kind, **data}, ensure_ascii=False, default=str), flush=True)
            if kind == "status":
                return
        if not follow:
            return
        time.sleep(1.0)


def main(argv: list[str], prog: str = "swift jobs") -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(f"Usage: {USAGE}")
        return 0
    from jobs import JobStore

    store, verb, rest = JobStore(), argv[0], argv[1:]
    if verb == "submit":
        return _submit(store, rest)
    if verb == "list":
        for j in store.list():
            print(f"{j.id:>4} {j.status:<8} {j.user:<8} step={j.last_step} loss={j.last_loss} {j.command_line}")
        return 0
    if verb not in ("show", "logs", "stop", "resume"):
        raise UsageError(f"unknown verb {verb!r}; usage: {USAGE}")
    job_id = _id(rest)
    if store.get(job_id) is None:
        raise UsageError(f"no job {job_id} (see `swift jobs list`)")
    if verb == "show":
        _show(store.get(job_id))
    elif verb == "logs":
        _logs(store, job_id, "--follow" in rest)
    else:
        job = getattr(store, verb)(job_id)
        print(f"job {job.id}: {job.status}")
    return 0
