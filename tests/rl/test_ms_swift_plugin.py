"""A reward plugin written for ms-swift loads unchanged: `from swift.rewards import ORM, orms`, an ORM subclass
registered as `orms['name'] = Class` (its gsm8k example's shape), run with `--columns '{"answer": "solution"}'`;
the older `from swift.plugin import ...` and `from swift.utils import get_logger` too. No `swift` module is left
behind after the import (a real ms-swift install would not be shadowed)."""
from __future__ import annotations

import json
import sys

from tests.conftest import swift

PLUGIN = '''
import json
import re
from pathlib import Path
from typing import List

from swift.rewards import ORM, orms
from swift.utils import get_logger

logger = get_logger()
SEEN = Path(__file__).with_name("seen.jsonl")


class SumAccuracy(ORM):
    def __call__(self, completions, solution, **kwargs) -> List[float]:
        with SEEN.open("a") as f:
            f.write(json.dumps(solution) + "\\n")
        return [float(re.findall(r"-?\\d+", c)[-1:] == [str(s)]) for c, s in zip(completions, solution)]


orms["sum_accuracy"] = SumAccuracy
'''

OLD_STYLE = '''
from swift.plugin import ORM, orms


class Short(ORM):
    def __call__(self, completions, **kwargs):
        return [-len(c) / 100 for c in completions]


orms["short"] = Short
'''


def test_an_ms_swift_plugin_runs_with_columns(tiny_model, tmp_path):
    data = tmp_path / "sums.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"{a}+{b}="}], "answer": a + b}
            for a, b in [(1, 2), (3, 4), (2, 2), (5, 1)]]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    plugin = tmp_path / "sum_plugin.py"
    plugin.write_text(PLUGIN)
    old = tmp_path / "old_plugin.py"
    old.write_text(OLD_STYLE)
    out = tmp_path / "grpo"
    proc = swift("rlhf", "--rlhf_type", "grpo", "--model", tiny_model, "--dataset", data,
                 "--external_plugins", plugin, old, "--reward_funcs", "sum_accuracy", "short",
                 "--columns", '{"answer": "solution"}', "--num_generations", "2",
                 "--per_device_train_batch_size", "2", "--max_completion_length", "8", "--max_steps", "2",
                 "--logging_steps", "1", "--save_steps", "2", "--report_to", "none", "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "--columns" not in proc.stderr  # acted on: no "no effect" note
    seen = [json.loads(line) for line in (tmp_path / "seen.jsonl").read_text().splitlines()]
    assert seen and all(set(s) <= {3, 7, 4, 6} for s in seen)  # the renamed column reached the ORM
    (run,) = out.glob("v*")
    log = [json.loads(line) for line in (run / "logging.jsonl").read_text().splitlines()]
    assert any("rewards/sum_accuracy/mean" in r and "rewards/short/mean" in r for r in log)


def test_no_swift_module_is_left_behind(tmp_path):
    from swift_cli.engine.rl.plugins import load_module

    plugin = tmp_path / "p.py"
    plugin.write_text(OLD_STYLE)
    module = load_module(str(plugin))
    assert "short" in module.orms and "swift" not in sys.modules and "swift.plugin" not in sys.modules
