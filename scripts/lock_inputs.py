"""The inputs of the locks (pyproject.toml's requirements and extras, the torch pin), their hash, and the check that
a lock satisfies them. Standard library only: scripts/lock.sh, the one-liner and the fast test lane all run it.

    python scripts/lock_inputs.py hash             # the hash stamped into each lock's header
    python scripts/lock_inputs.py check LOCK...    # exit 1 with one line per disagreement
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None

REPO = Path(__file__).resolve().parents[1]
HASH_LINE = "# inputs-sha256: "
TORCH_DEFAULT = "torch==2.13.0"


def _load_pyproject() -> dict:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    if tomllib is not None:
        return tomllib.loads(text)["project"]
    import pip._vendor.tomli as tomli  # pip vendors a TOML reader on Python 3.10
    return tomli.loads(text)["project"]


def inputs() -> dict:
    project = _load_pyproject()
    return {"dependencies": project["dependencies"], "extras": project.get("optional-dependencies", {}),
            "requires-python": project.get("requires-python", ""), "torch": TORCH_DEFAULT}


def inputs_hash() -> str:
    return hashlib.sha256(json.dumps(inputs(), sort_keys=True).encode()).hexdigest()[:16]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> tuple[str, dict[str, str]]:
    """(the stamped inputs hash, {normalised name: pinned version}) of a lock file."""
    stamp, pins = "", {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(HASH_LINE):
            stamp = line[len(HASH_LINE):].strip()
        m = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;\\]+)", line)
        if m:
            pins[_norm(m.group(1))] = m.group(3)
    return stamp, pins


def _requirement_names(extras_wanted: list[str]) -> list[str]:
    data = inputs()
    reqs = list(data["dependencies"])
    for extra in extras_wanted:
        reqs += [r for r in data["extras"].get(extra, []) if not r.startswith("yichui[")]
    return [_norm(re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0]) for r in reqs]


def check(lock: Path, extras_wanted: list[str]) -> list[str]:
    """Every disagreement between pyproject.toml and `lock`, one line each (empty: they agree)."""
    stamp, pins = read_lock(lock)
    problems = []
    if stamp != inputs_hash():
        problems.append(f"{lock.name} was made from another pyproject.toml (inputs {stamp or 'unstamped'}, "
                        f"now {inputs_hash()})")
    for name in _requirement_names(extras_wanted):
        if name != "torch" and name not in pins:
            problems.append(f"{lock.name} has no pin for {name}")
    return problems


LOCK_EXTRAS = {"cpu.txt": ["eval", "quant", "onnx", "tensorboard", "llamacpp", "test"],
               "cuda.txt": ["eval", "quant", "onnx", "tensorboard", "vllm", "deepspeed"]}


def main(argv: list[str]) -> int:
    if argv[:1] == ["hash"]:
        print(inputs_hash())
        return 0
    if argv[:1] == ["check"]:
        problems = []
        for name in argv[1:] or sorted(LOCK_EXTRAS):
            path = Path(name) if "/" in name else REPO / "locks" / name
            problems += check(path, LOCK_EXTRAS.get(path.name, []))
        for p in problems:
            print(f"error: {p}; regenerate the locks with: bash scripts/lock.sh", file=sys.stderr)
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
