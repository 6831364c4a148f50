"""The run page of a finished job shows its structured record (machine, model, method, predicted and measured peak,
throughput, loss trend, wall time, cost, eval): computed from a real tiny run's logging.jsonl, and once the bot kept
it in meta.json, that same record `swift jobs show` prints (one formatter: jobs/record.py)."""
from __future__ import annotations

import html
import json
import re

from jobs.events import read_events
from jobs.meta import update_meta
from jobs.record import record_lines
from tests.conftest import swift
from tests.webui.conftest import csrf_of
from tests.webui.test_run_actions import _wait


def _record_on_page(text: str) -> list[str] | None:
    box = re.search(r'<section class="card" id="record">(.*?)</section>', text, re.S)
    return [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", box.group(1))] if box else None


def test_finished_tiny_run_shows_its_record(make_client, tiny_model, tmp_path):
    client, console = make_client(lang="en")
    h = {"X-CSRF-Token": csrf_of(client.get("/compare").text)}
    form = {"task": "sft", "model": str(tiny_model), "dataset": "self-cognition#40", "max_steps": "3",
            "train_type": "lora", "save_steps": "3", "logging_steps": "1", "max_length": "128"}
    r = client.post("/api/launch", json=form, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "running", r.text
    run_id = r.json()["id"]
    assert _record_on_page(client.get(f"/jobs/{run_id}").text) is None       # a running job has no record yet
    assert _wait(client, run_id)["status"] == "done"

    store = console.store
    job = store.get(run_id)
    losses = [d["loss"] for _, _, d in read_events(store.run_dirs(job)) if "loss" in d and "step" in d]
    assert len(losses) == 3, losses
    lines = _record_on_page(client.get(f"/jobs/{run_id}").text)
    assert lines and lines[0] == f"machine local · model {tiny_model} · method lora", lines   # from its command
    assert f"loss: {' '.join(f'{x:.2f}' for x in losses)} (3 steps)" in lines, lines   # the run's own losses
    assert any(x.startswith("peak: predicted ") and "measured ?" not in x for x in lines), lines
    assert any(x.startswith("wall time ") and x.endswith("cost $0.00") for x in lines), lines

    kept = {"job": run_id, "machine": "h200-lent", "model": "tiny", "method": "lora", "predicted_peak_mib": 2048,
            "measured_peak_mib": 1536, "tokens_per_sec": 812.0, "loss_trend": [2.5, 1.25], "steps": 3,
            "wall_s": 75.0, "cost_usd": 0.1, "eval": [{"dataset": "gsm8k", "score": 0.4, "label": "after"}]}
    update_meta(job.job_dir, record=kept)                              # as the bot's final message keeps it
    lines = _record_on_page(client.get(f"/jobs/{run_id}").text)
    assert lines == record_lines(kept), lines
    assert lines[:3] == ["machine h200-lent · model tiny · method lora",
                         "peak: predicted 2.00 GiB, measured 1.50 GiB", "throughput: 812 tokens/s"]
    assert lines[-2:] == ["wall time 1:15 · cost $0.10", "eval gsm8k: 0.400 at after"]
    shown = swift("jobs", "show", str(run_id), env={"YICHUI_HOME": str(store.root)})
    assert shown.returncode == 0 and json.loads(shown.stdout)["record"] == kept, shown.stdout + shown.stderr
