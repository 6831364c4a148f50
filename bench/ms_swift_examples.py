"""Feed every `swift <command> ...` line of ms-swift's examples/ folder to our parser alone (no model load) and
print how many parse, per command, and the flags that stop the rest.

    python bench/ms_swift_examples.py EXAMPLES_DIR [--failures N]

EXAMPLES_DIR is a copy of ms-swift's examples/ (e.g. `git --git-dir MIRROR archive HEAD examples | tar -x`).
Shell continuations are joined, comments dropped, environment prefixes (CUDA_VISIBLE_DEVICES=0 ...) skipped;
a line stops at a shell operator. `megatron ...` lines are counted apart (we have no Megatron)."""
from __future__ import annotations

import argparse
import collections
import re
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

OPERATORS = {"&&", "||", "|", ";", "&", ">", ">>", "2>&1", "1>&2", "2>"}


def commands_in(script: str):
    """(command, argv) for each `swift <command>` invocation in a shell script."""
    text = re.sub(r"\\\r?\n", " ", script)
    text = re.sub(r"\$\(\(?[^()]*\)?\)", "1", text)  # $(expr 16 / $n) and $((a / b)): a number when it runs
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        try:
            tokens = shlex.split(line)  # not comments=True: it cuts `name#500` (a dataset sample count)
        except ValueError:
            continue
        for i, tok in enumerate(tokens[:-1]):
            if tok in ("swift", "megatron") and (i == 0 or re.match(r"^\w+=", tokens[i - 1]) or tokens[i - 1] in
                                                 OPERATORS or tokens[i - 1] in ("nohup", "exec", "time")):
                argv = []
                for t in tokens[i + 2:]:
                    if t in OPERATORS or t.startswith((">", "2>")):
                        break
                    argv.append(t)
                # a shell expansion ($VAR, $(expr ...)) is a number when the script runs
                # so is a placeholder the reader fills in (<node1_port>, <num-labels>)
                argv = ["1" if a.startswith("$") or re.fullmatch(r"<[\w-]+>", a) else a for a in argv]
                yield ("megatron " if tok == "megatron" else "") + tokens[i + 1], argv
                break


def try_parse(command: str, argv: list[str]) -> tuple[str, str | None]:
    """("ok", None) when our parser accepts the line; ("refused", why) when it parses and is then refused in one
    line as unable to run here (exit 3); ("fails", the first problem) otherwise."""
    import contextlib
    import io

    from swift_cli.app import COMMANDS
    from swift_cli.errors import RequirementError, SwiftError
    from swift_cli.options import compat
    from swift_cli.options.parse import parse_command
    from swift_cli.options.render import command_config

    if command not in COMMANDS:
        return "fails", f"no command {command}"
    try:
        _, cfg = parse_command(command_config(command), argv, positionals_allowed=True)
    except SwiftError as exc:
        return "fails", str(exc)
    except LookupError as exc:
        return "fails", f"no config for {command} ({exc})"
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            compat.check(cfg, command)
    except RequirementError as exc:
        return "refused", str(exc)
    return "ok", None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("examples", type=Path)
    ap.add_argument("--failures", type=int, default=25, help="how many distinct failing flags to list")
    args = ap.parse_args()
    import os

    os.chdir(args.examples.resolve().parent)  # the scripts name their YAML files from the repository root
    totals, ok, refused = collections.Counter(), collections.Counter(), collections.Counter()
    flags, reasons = collections.Counter(), collections.Counter()
    for script in sorted(args.examples.rglob("*.sh")):
        for command, argv in commands_in(script.read_text(encoding="utf-8", errors="replace")):
            totals[command] += 1
            if command.startswith("megatron "):
                continue
            outcome, problem = try_parse(command, argv)
            if outcome == "ok":
                ok[command] += 1
            elif outcome == "refused":
                refused[command] += 1
                reasons[problem.split(":")[0]] += 1
            else:
                m = re.search(r"(unknown option|no command) ([^\s;]+)", problem)
                flags[m.group(2) if m else problem.split(":")[0][:60]] += 1
    ours = {c for c in totals if not c.startswith("megatron ")}
    print(f"{'command':<16}{'parsed':>8}{'refused':>9}{'lines':>8}   (refused: parsed, then one line, exit 3)")
    for c in sorted(ours, key=lambda c: -totals[c]):
        print(f"{c:<16}{ok[c] + refused[c]:>8}{refused[c]:>9}{totals[c]:>8}")
    n, good = sum(totals[c] for c in ours), sum(ok.values()) + sum(refused.values())
    print(f"{'all swift lines':<16}{good:>8}{sum(refused.values()):>9}{n:>8}  ({100 * good / max(n, 1):.1f}% parse)")
    print(f"megatron lines (not ours): {sum(v for c, v in totals.items() if c.startswith('megatron '))}")
    print("refusal reasons:")
    for why, count in reasons.most_common():
        print(f"  {count:>4}  {why}")
    print("most frequent problems:")
    for flag, count in flags.most_common(args.failures):
        print(f"  {count:>4}  {flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
