"""`python -m jobs.wrap EXIT_FILE -- ARGV...`: run one job's argv and record its exit code in EXIT_FILE.

The wrapper leads the job's session (start_new_session), so SIGINT to the group reaches the swift process (which
checkpoints and exits 130) while the wrapper ignores it and waits; the exit file is how a restarted UI learns how
a job it did not start ended (no process-table scanning)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys


def main(argv: list[str]) -> int:
    exit_file, cmd = argv[0], argv[argv.index("--") + 1:]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    child = subprocess.Popen(cmd, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
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
