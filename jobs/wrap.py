"""`python -m jobs.wrap EXIT_FILE [--limit NAME=N ...] -- ARGV...`: run one job's argv and record its exit code in
EXIT_FILE.

--limit sets an OS resource limit on the job's process before it starts (setrlimit; its children inherit it):
memory=BYTES (address space: an allocation past it fails, which training reports as exit 5), file=BYTES (largest
file it may write), cpu=SECONDS (CPU time; SIGXCPU past it). The bot's sandbox sets them from bot.yaml.

The wrapper leads the job's session (start_new_session), so SIGINT to the group reaches the swift process (which
checkpoints and exits 130) while the wrapper ignores it and waits; the exit file is how a restarted UI learns how
a job it did not start ended (no process-table scanning)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys


LIMITS = {"memory": "RLIMIT_AS", "file": "RLIMIT_FSIZE", "cpu": "RLIMIT_CPU"}


def parse_limits(args: list[str]) -> dict[str, int]:
    """{resource name: value} from the `--limit NAME=N` pairs between EXIT_FILE and `--`."""
    out = {}
    for flag, spec in zip(args[::2], args[1::2]):
        name, _, value = spec.partition("=")
        if flag != "--limit" or name not in LIMITS or not value.isdigit():
            raise SystemExit(f"jobs.wrap: bad limit {flag} {spec} (memory|file|cpu=N)")
        out[LIMITS[name]] = int(value)
    return out


def _child_setup(limits: dict[str, int]):
    def setup() -> None:
        import resource

        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for name, value in limits.items():
            resource.setrlimit(getattr(resource, name), (value, value))
    return setup


def main(argv: list[str]) -> int:
    split = argv.index("--")
    exit_file, limits, cmd = argv[0], parse_limits(argv[1:split]), argv[split + 1:]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    child = subprocess.Popen(cmd, preexec_fn=_child_setup(limits))
    while True:
        try:
            code = child.wait()
            break
        except InterruptedError:
            continue
    tmp = exit_file + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(str(code if code >= 0 else 128 - code))
    os.replace(tmp, exit_file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
