"""How long does `swift --help` take, compared with importing transformers and torch?

Measures the wall time of fresh processes (N repetitions each, one warm-up run first so the
page cache is hot; median and min reported):

- ``python -m swift_cli --help``
- ``swift --help`` (the console script installed next to ``sys.executable``)
- ``python -c "import transformers"``
- ``python -c "import torch"``
- ``python -c "pass"`` (interpreter start, for reference)

and prints a table plus the ratio swift/transformers. Goal: ``swift --help`` under 0.3 s, which
is only possible if the help path imports neither torch nor transformers. That is checked too: a
subprocess imports ``swift_cli.app``, runs the app with ``['--help']`` (catching SystemExit) and
prints whether ``torch`` / ``transformers`` ended up in ``sys.modules``.

    python bench/cli_startup.py            # 10 repetitions
    python bench/cli_startup.py -n 20

Exit status 0 always (a benchmark, not a test); the verdict lines say whether the goals are met.
The machine may be loaded by other jobs: the load average is printed, compare ratios measured in
one run only.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_S = 0.3
PY = sys.executable
SWIFT = str(Path(PY).with_name("swift"))

CHECK_MODULES = r"""
import sys
from swift_cli import app as _app
try:
    _app.app(['--help'], prog_name='swift')
except SystemExit:
    pass
print('@@ torch_loaded', 'torch' in sys.modules)
print('@@ transformers_loaded', 'transformers' in sys.modules)
"""


def cases() -> list[tuple[str, list[str]]]:
    out = [("python -m swift_cli --help", [PY, "-m", "swift_cli", "--help"])]
    if os.path.exists(SWIFT):
        out.append(("swift --help", [SWIFT, "--help"]))
    out += [
        ('python -c "import transformers"', [PY, "-c", "import transformers"]),
        ('python -c "import torch"', [PY, "-c", "import torch"]),
        ('python -c "pass"', [PY, "-c", "pass"]),
    ]
    return out


def time_once(argv: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return dt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--repeat", type=int, default=10, help="repetitions per command (default 10)")
    args = ap.parse_args()

    env_note = f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs"
    print(f"CLI startup, {args.repeat} runs each after 1 warm-up; {env_note}")

    the_cases = cases()
    for _, argv in the_cases:  # warm-up: page cache, .pyc files
        time_once(argv)
    # Interleave the repetitions so a burst of load from other jobs hits every case alike.
    samples: dict[str, list[float]] = {name: [] for name, _ in the_cases}
    for _ in range(args.repeat):
        for name, argv in the_cases:
            samples[name].append(time_once(argv))

    width = max(len(name) for name in samples)
    print(f"\n{'command':<{width}}  {'median s':>9}  {'min s':>7}")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 7}")
    med = {}
    for name, xs in samples.items():
        med[name] = statistics.median(xs)
        print(f"{name:<{width}}  {med[name]:>9.3f}  {min(xs):>7.3f}")

    tf = med['python -c "import transformers"']
    print()
    for name in ("python -m swift_cli --help", "swift --help"):
        if name in med:
            print(f"ratio {name} / import transformers: {med[name] / tf:.2f}x")

    check = subprocess.run([PY, "-c", CHECK_MODULES], capture_output=True, text=True)
    flags = dict(line.split()[1:3] for line in check.stdout.splitlines() if line.startswith("@@ "))
    torch_loaded = flags.get("torch_loaded", "?")
    print(f"\n'torch' in sys.modules after app(['--help']): {torch_loaded}")
    print(f"'transformers' in sys.modules after app(['--help']): {flags.get('transformers_loaded', '?')}")
    if check.returncode != 0:
        print(f"(check subprocess failed: {check.stderr.strip()[-500:]})")

    main_name = "swift --help" if "swift --help" in med else "python -m swift_cli --help"
    ok = med[main_name] < GOAL_S
    print(f"\ngoal: `swift --help` under {GOAL_S} s -> median {med[main_name]:.3f} s: {'MET' if ok else 'NOT MET'}")
    print(f"goal: torch not imported by --help -> {'MET' if torch_loaded == 'False' else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
