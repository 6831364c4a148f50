"""A finished run's actions through HTTP (TestClient against the real app, real subprocess jobs on the tiny model):
evaluate before/after (both scores with their 95% interval on the page), export (merge LoRA, GGUF with a chosen
tensor type, quantize with hqq and the result served by `swift infer`) and deploy on 127.0.0.1 (its URL answers /v1/models), each a job linked to the run and listed on the run page."""
from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import swift
from tests.webui.conftest import csrf_of


def _wait(client, job_id: int, until=("done", "failed", "stopped", "refused"), timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = client.get(f"/api/jobs/{job_id}").json()
        if view["status"] in until:
            return view
        time.sleep(1)
    raise AssertionError(f"job {job_id} still {view['status']}: {view.get('log')}")


@pytest.fixture
def finished_run(make_client, tiny_model):
    client, console = make_client(lang="en")
    h = {"X-CSRF-Token": csrf_of(client.get("/compare").text)}   # (a page that does not probe the machine)
    form = {"task": "sft", "model": str(tiny_model), "dataset": "self-cognition#40", "max_steps": "2",
            "save_steps": "2", "logging_steps": "1", "max_length": "128"}
    r = client.post("/api/launch", json=form, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "running", r.text
    run_id = r.json()["id"]
    view = _wait(client, run_id)
    assert view["status"] == "done", view
    yield client, console, h, run_id
    for job in console.store.list():     # jobs outlive their UI: a failed test must not leave one behind
        if job.status in ("running", "queued"):
            console.store.stop(job.id, grace=10)


def _bad_requests_are_refused_with_one_line(client, console, h, run_id) -> None:
    assert client.post(f"/jobs/{run_id}/actions/eval", json={}).status_code == 403          # CSRF as every POST
    for action, body, words in (("launch-rockets", {}, "unknown action"),
                                ("eval", {"eval_limit": "lots"}, "--eval_limit"),
                                ("eval", {"eval_dataset": ["gsm8k"]}, "--eval_dataset gsm8k"),
                                ("quantize", {"quant_method": "gptq"}, "--quant_method gptq"),
                                ("quantize", {"quant_bits": "3"}, "--quant_bits 3"),
                                ("gguf", {"gguf_type": "q2_k"}, "--gguf_type q2_k")):
        r = client.post(f"/jobs/{run_id}/actions/{action}", json=body, headers=h)
        assert r.status_code == 400 and words in r.json()["error"] and "\n" not in r.json()["error"], r.text
    assert client.post("/jobs/999/actions/eval", json={}, headers=h).status_code == 404
    assert [j.id for j in console.store.list()] == [run_id]                    # nothing was started


def test_eval_export_deploy_linked_to_the_run(finished_run):
    client, console, h, run_id = finished_run
    _bad_requests_are_refused_with_one_line(client, console, h, run_id)
    ids = {}
    for action, body in (("eval", {"eval_limit": 1, "max_tokens": 8}), ("merge", {"verify": False}),
                         ("gguf", {"verify": False, "gguf_type": "q8_0"}),
                         ("quantize", {"verify": False, "quant_method": "hqq", "quant_bits": "4"})):
        r = client.post(f"/jobs/{run_id}/actions/{action}", json=body, headers=h)
        assert r.status_code == 200, r.text
        (job,) = r.json()["jobs"]
        assert job["command_line"].startswith(f"swift {'eval' if action == 'eval' else 'export'} --model ")
        ids[action] = job["id"]
    assert "--eval_base true" in client.get(f"/api/jobs/{ids['eval']}").json()["command_line"]
    assert "--verify false" in client.get(f"/api/jobs/{ids['gguf']}").json()["command_line"]   # the test's choice
    assert "--gguf_type q8_0" in client.get(f"/api/jobs/{ids['gguf']}").json()["command_line"]
    assert "--quant_method hqq --quant_bits 4" in client.get(f"/api/jobs/{ids['quantize']}").json()["command_line"]
    for job_id in ids.values():                         # side by side where the estimates fit (jobs/admission.py)
        assert _wait(client, job_id)["status"] == "done", client.get(f"/api/jobs/{job_id}").json()["log"]

    data = client.get(f"/api/jobs/{run_id}/actions").json()
    assert [(j["id"], j["action"], j["status"]) for j in data["jobs"]] == \
        [(ids["eval"], "eval", "done"), (ids["merge"], "merge", "done"), (ids["gguf"], "gguf", "done"),
         (ids["quantize"], "quantize", "done")]
    assert {row["dataset"] for row in data["eval"]} == {"yichui_math", "yichui_mcq"}
    for row in data["eval"]:
        for side in ("before", "after"):
            s = row[side]
            assert s["n"] >= 1 and 0 <= s["low"] <= s["score"] <= s["high"] <= 1 and s["high"] - s["low"] > 0.3, row
        d = row["diff"]             # swift eval's paired interval, from its run folder (eval_compare.json)
        assert d["low"] <= d["diff"] <= d["high"] and d["verdict"] in ("better", "worse", "no clear difference"), row
        assert abs(d["diff"] - (row["after"]["score"] - row["before"]["score"])) < 1e-3, row
    page = client.get(f"/jobs/{run_id}").text
    assert f"{data['eval'][0]['diff']['diff']:+.3f} [" in page
    assert 'id="eval-results"' in page and f'href="/jobs/{ids["eval"]}"' in page
    first = data["eval"][0]["before"]
    assert f"{first['score']:.3f} [{first['low']:.3f}, {first['high']:.3f}]" in page

    assert f'<a href="/jobs/{run_id}">#{run_id}</a>' in client.get(f"/jobs/{ids['merge']}").text   # and back
    merged = Path(console.store.get(ids["merge"]).job_dir) / "output"
    assert (merged / "config.json").is_file() and list(merged.glob("*.safetensors")), list(merged.iterdir())
    assert list((Path(console.store.get(ids["gguf"]).job_dir) / "output").rglob("*.gguf"))
    quantized = Path(console.store.get(ids["quantize"]).job_dir) / "output"
    assert json.loads((quantized / "yichui_quant.json").read_text())["method"] == "hqq"
    infer = swift("infer", "--model", quantized, "--query", "who are you?", "--max_new_tokens", "8")
    assert infer.returncode == 0 and infer.stdout.strip(), infer.stderr[-1000:]      # the quantized model serves
    assert 'data-action="quantize"' in page and '<option>torchao</option>' in page and '>q8_0</option>' in page

    r = client.post(f"/jobs/{run_id}/actions/deploy", json={}, headers=h)
    (dep,) = r.json()["jobs"]
    try:
        assert dep["status"] == "running", dep
        url = next(j["url"] for j in client.get(f"/api/jobs/{run_id}/actions").json()["jobs"] if j["id"] == dep["id"])
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        deadline, served = time.monotonic() + 300, None
        while time.monotonic() < deadline and served is None:
            try:
                served = httpx.get(f"{url}/models", timeout=5).json()
            except httpx.HTTPError:
                assert client.get(f"/api/jobs/{dep['id']}").json()["status"] == "running"
                time.sleep(1)
        assert served and served["data"], served
        assert url in client.get(f"/jobs/{run_id}").text
    finally:
        stopped = client.post(f"/jobs/{dep['id']}/stop", headers=h).json()
    assert stopped["status"] in ("stopped", "done", "failed") and stopped["status"] != "running"


def test_actions_need_a_finished_training_run_with_a_checkpoint(make_client):
    from tests.webui.conftest import write_run

    client, console = make_client()
    h = {"X-CSRF-Token": csrf_of(client.get("/compare").text)}
    stopped = write_run(console.store, [{"step": 1, "loss": 2.0}], status="stopped")
    done = write_run(console.store, [{"step": 1, "loss": 2.0}])          # no checkpoint in its run folder
    for job_id, words in ((stopped, "is stopped"), (done, "no complete checkpoint")):
        r = client.post(f"/jobs/{job_id}/actions/merge", json={}, headers=h)
        assert r.status_code == 400 and words in r.json()["error"], r.text
    page = client.get(f"/jobs/{done}").text
    assert 'id="actions"' in page and 'data-action="deploy"' in page
    assert len(console.store.list()) == 2                                 # nothing was started
