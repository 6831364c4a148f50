"""`swift eval` on the tiny model and the built-in offline sets: report, per-item file, greedy rerun,
the same scores through --eval_url against `swift deploy`, and --compare between runs."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from swift_cli.engine.eval.interval import wilson
from tests.conftest import REPO, swift

GEN = '{"max_tokens": 12}'  # short answers keep the runs quick; greedy (temperature 0) is the default
KEY = "eval-test-key"


def run_eval(out: Path, *args) -> tuple[Path, dict, list[dict], subprocess.CompletedProcess]:
    before = set(out.glob("*")) if out.exists() else set()
    proc = swift("eval", "--eval_limit", "3", "--eval_generation_config", GEN, "--eval_output_dir", out, *args,
                 timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = set(out.glob("*")) - before
    report = json.loads((run / "eval_report.json").read_text())
    rows = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
    return run, report, rows, proc


@pytest.fixture(scope="module")
def direct(tiny_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("eval_direct")
    return out, run_eval(out, "--model", tiny_model)


def test_builtin_sets_report_table_and_items(direct):
    out, (run, report, rows, proc) = direct
    assert not list(out.glob("*.partial"))
    scores = report["models"]["tiny"]
    assert set(scores) == {"yichui_math", "yichui_mcq"}
    for dataset in scores.values():
        assert set(dataset["subsets"]) == {"en", "zh"}
        assert dataset["n"] == 6 and all(s["n"] == 3 for s in dataset["subsets"].values())
        assert 0.0 <= dataset["score"] <= 1.0
        lo, hi = wilson(dataset["score"], 6)            # the one interval every reader shows, saved with the score
        assert (dataset["low"], dataset["high"], dataset["interval"]) == (lo, hi, "wilson95") and lo < hi
    assert report["model_loads"] == 1  # one load for the whole run, not one per item or dataset
    assert report["memory"]["measured_peak_mib"] > 0  # the resource monitor ran beside the evaluation
    assert len(rows) == 12
    math_gold = {r["question"]: r["answer"].rsplit("####", 1)[1].strip() for r in map(
        json.loads, (REPO / "swift_cli/resources/eval/yichui_math/en_test.jsonl").read_text().splitlines())}
    for row in rows:
        assert {"prompt", "output", "extracted", "gold", "correct", "score"} <= set(row)
        if row["dataset"] == "yichui_math" and row["subset"] == "en":
            question = row["prompt"].split("\n")[0]
            assert row["gold"] == math_gold[question]
        assert row["correct"] == (row["score"] >= 1.0)
    mean = sum(r["score"] for r in rows if r["dataset"] == "yichui_mcq") / 6
    assert abs(mean - scores["yichui_mcq"]["score"]) < 1e-9
    assert "yichui_math" in proc.stdout and "s/item" in proc.stdout
    assert "Finished evaluation" not in proc.stdout + proc.stderr  # EvalScope's log stays in the run's log file
    assert "Finished evaluation for tiny" in (run / "evalscope.log").read_text()


def test_greedy_rerun_is_identical_and_compare_shows_zero(direct, tiny_model):
    out, (run, report, rows, _) = direct
    run2, report2, rows2, _ = run_eval(out, "--model", tiny_model)
    assert report2["models"] == report["models"]
    assert [r["output"] for r in rows2] == [r["output"] for r in rows]
    proc = swift("eval", "--compare", run, run2)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"yichui_math .*\+0\.000 .*\[\+0\.000, \+0\.000\]", proc.stdout), proc.stdout


def test_eval_url_against_swift_deploy_gives_the_same_scores(direct, tiny_model, tmp_path):
    out, (_, report, rows, _) = direct
    log = tmp_path / "deploy.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as fh:
        server = subprocess.Popen([sys.executable, "-m", "swift_cli", "deploy", "--model", str(tiny_model),
                                   "--port", "0", "--api_key", KEY, "--log_requests", "false"],
                                  cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
    try:
        deadline, url = time.time() + 300, None
        while url is None and time.time() < deadline and server.poll() is None:
            found = re.search(r"http://127\.0\.0\.1:(\d+)/v1", log.read_text())
            url = found.group(0) if found else None
            time.sleep(0.3)
        assert url, log.read_text()[-2000:]
        _, remote, remote_rows, _ = run_eval(out, "--eval_url", url, "--api_key", KEY)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert remote["model_loads"] == 0
    assert remote["models"] == report["models"]
    assert [r["output"] for r in remote_rows] == [r["output"] for r in rows]
    assert KEY not in json.dumps(remote["args"])  # the key is redacted in the report's args
