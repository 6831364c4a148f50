"""Wall time of the one-liner from a fresh clone: `bash scripts/yichuidingyin.sh --auto` to the finished report.

    python bench/oneliner.py                  # fresh YICHUI_HOME: install measured, then --auto (reused) runs
    python bench/oneliner.py --home ~/.ybench # reuse an installed venv (install skipped when already there)

Each run is a `git clone` of this repository's HEAD (committed files only) into a temp folder. Its install
step (`--install-only`: a full install the first time with a fresh home; later only the editable re-link
to the new clone) is timed on its own; then `--auto` (install reused) is timed from the command to its
exit, which comes after the report (the run folder's report.md is checked).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, proc


MARKS = {"running: swift": "ready to train", "last checkpoint:": "trained"}


def timed_phases(cmd: list[str], cwd: Path, env: dict) -> tuple[float, subprocess.CompletedProcess, dict]:
    """Like timed(), also noting when the output reaches each MARKS line (seconds from the start)."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, marks = [], {}
    for line in proc.stdout:
        lines.append(line)
        for key, name in MARKS.items():
            if key in line and name not in marks:
                marks[name] = time.perf_counter() - start
    code = proc.wait()
    secs = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds used (user + sys): less sensitive than wall time to other work on a shared machine.
    marks["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return secs, subprocess.CompletedProcess(cmd, code, "".join(lines), ""), marks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", help="YICHUI_HOME to reuse (default: a fresh one, install measured)")
    ap.add_argument("--runs", type=int, default=2, help="--auto runs (each from its own fresh clone)")
    ap.add_argument("--model", default=None, help="passed to --auto (tiny: the built-in tiny model; default: "
                                                  "SmolLM2-135M-Instruct, materialised offline)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yichui-oneliner-"))
    home = Path(args.home).expanduser() if args.home else work / "home"
    env = {**os.environ, "YICHUI_HOME": str(home), "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
    env.pop("VIRTUAL_ENV", None)
    load = os.getloadavg()[0]
    print(f"# one-liner bench: {os.cpu_count()} CPUs, load {load:.1f}, YICHUI_HOME={home}")
    times = []
    for i in range(args.runs):
        clone = work / f"clone{i}"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        script = ["bash", str(clone / "scripts" / "yichuidingyin.sh")]
        secs, proc = timed([*script, "--install-only"], clone, env)
        if proc.returncode:
            print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
            return 1
        what = ("full install" if "creating virtualenv" in proc.stdout else
                "venv reused, project re-linked to this clone" if "installing yichui" in proc.stdout else "reused")
        print(f"clone {i + 1}: --install-only {secs:.1f} s ({what})")
        secs, proc, marks = timed_phases([*script, "--auto", *(["--model", args.model] if args.model else [])], clone,
                                         env)
        out = proc.stdout + proc.stderr
        report = re.search(r"(\S+/v\d+-[\d-]+)/checkpoint-\d+", out)
        done = bool(report) and (Path(report.group(1)) / "report.md").is_file()
        learned = "name learned: yes" in out
        print(f"--auto run {i + 1}: {secs:.1f} s to the finished report (exit {proc.returncode}, report.md "
              f"{'written' if done else 'MISSING'}, {'name learned: yes' if learned else 'name NOT learned'})")
        print(f"    CPU time used (user+sys, all processes): {marks.pop('cpu'):.1f} s on {os.cpu_count()} cores")
        if len(marks) == 2:
            ready, trained = marks["ready to train"], marks["trained"]
            print(f"    phases: start, probe, plan, model, answers before {ready:.1f} s; training "
                  f"{trained - ready:.1f} s; answers after + report {secs - trained:.1f} s "
                  f"(load now {os.getloadavg()[0]:.1f})")
        if proc.returncode or not done:
            print(out[-3000:], file=sys.stderr)
            return 1
        times.append(secs)
    print(f"--auto wall time after install: best {min(times):.1f} s, worst {max(times):.1f} s over {len(times)} "
          f"run(s) (goal < {120 if args.model == 'tiny' else 300} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
