"""The console's endpoints with FastAPI's TestClient over a real JobStore (SQLite in tmp): pages in zh/en, the access
token, CSRF on every POST, upload size limits and path escapes, line-numbered dataset checks, the planner's refusal
reason on launch, events with ids replayed from Last-Event-ID, no secrets on pages; and `swift web-ui` itself."""
from __future__ import annotations

import json

import httpx

from tests.conftest import swift
from tests.webui.conftest import WebUI, csrf_of, write_run

REFUSE = {"max_length": "10000000", "train_type": "full", "per_device_train_batch_size": "100000"}


def _form(model, **more) -> dict:
    return {"task": "sft", "model": str(model), "dataset": "self-cognition#400", "max_steps": "3", **more}


def test_pages_in_both_languages(make_client):
    client, _ = make_client(lang="en")
    for path in ("/", "/new", "/compare", "/chat"):
        r = client.get(path)
        assert r.status_code == 200 and 'name="csrf-token"' in r.text, path
    assert "This machine" in client.get("/").text
    zh = client.get("/?lang=zh")
    assert "本机硬件" in zh.text and "新建训练" in zh.text     # the wizard's words, then the page's own
    assert "本机硬件" in client.get("/").text                  # the choice is kept in a cookie
    assert "学习率" in client.get("/new").text                  # option help from the declarations (zh)


def test_token_required_when_set(make_client):
    client, console = make_client(token="s3cret-token")
    assert client.get("/", headers={"accept": "text/html"}).status_code == 401
    assert client.get("/api/jobs").status_code == 401
    assert client.get("/?token=wrong").status_code == 401
    r = client.get("/new?token=s3cret-token", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/new" and "httponly" in r.headers["set-cookie"].lower()
    assert client.get("/").status_code == 200                  # the cookie now carries it
    assert "s3cret-token" not in client.get("/").text          # never rendered


def test_csrf_on_every_post(make_client, tiny_model):
    client, console = make_client()
    csrf = csrf_of(client.get("/new").text)
    for path in ("/api/plan", "/api/launch", "/api/upload?name=a.jsonl", "/jobs/1/stop", "/jobs/1/resume",
                 "/api/chat"):
        assert client.post(path, json={}).status_code == 403, path
        assert client.post(path, json={}, headers={"X-CSRF-Token": "0" * 64}).status_code == 403, path
    r = client.post("/api/plan", json=_form(tiny_model), headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["fits"] is True, r.text
    assert r.json()["command_line"].startswith(f"swift sft --model {tiny_model} --dataset")
    assert console.store.list() == []                           # planning launched nothing
    again, _ = make_client()                                    # a restarted UI on the same home: open pages work
    assert csrf_of(again.get("/new").text) == csrf
    secret = console.store.root / "webui" / "secret"
    assert secret.stat().st_mode & 0o077 == 0                    # owner-only


def test_bad_form_value_is_one_line_naming_the_flag(make_client, tiny_model):
    client, console = make_client()
    csrf = csrf_of(client.get("/new").text)
    r = client.post("/api/plan", json=_form(tiny_model, max_steps="many"), headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400 and "--max_steps" in r.json()["error"] and "\n" not in r.json()["error"]


def test_uploads_limited_named_safely_and_checked_by_line(make_client, tmp_path):
    client, console = make_client(upload_limit=200)
    h = {"X-CSRF-Token": csrf_of(client.get("/new").text)}
    assert client.post("/api/upload?name=big.jsonl", content=b"x" * 201, headers=h).status_code == 413
    for bad in ("../escape.jsonl", "a/b.jsonl", "..", ".hidden.jsonl", "run.sh", "%2e%2e%2fx.jsonl", "a\\b.jsonl"):
        r = client.post("/api/upload", params={"name": bad}, content=b"{}\n", headers=h)
        assert r.status_code == 400 and "error" in r.json(), bad
    assert not list(tmp_path.rglob("escape.jsonl")) and not (tmp_path / "home" / "x.jsonl").exists()
    rows = (json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]})
            + "\n{not json\n")
    r = client.post("/api/upload?name=mine.jsonl", content=rows.encode(), headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["good"] == 1 and any("2" in p for p in body["problems"]), body   # the bad row, by line number
    assert body["path"].startswith(str(console.store.root / "uploads" / body["sid"]))


def test_refused_launch_shows_the_planner_reason_and_stores_uploads_per_job(make_client, tiny_model):
    client, console = make_client()
    h = {"X-CSRF-Token": csrf_of(client.get("/new").text)}
    up = client.post("/api/upload?name=data.jsonl", content=b'{"messages": []}\n', headers=h).json()
    form = _form(tiny_model, **REFUSE, dataset=f"self-cognition#400 {up['path']}", sid=up["sid"])
    r = client.post("/api/launch", json=form, headers=h)
    job = r.json()
    assert job["status"] == "refused" and "GiB" in job["reason"] and "nearest change" in job["reason"], job
    stored = console.store.get(job["id"])
    moved = [a for a in stored.argv if a.endswith("data.jsonl")]
    assert moved == [str(console.store.root / "jobs" / str(job["id"]) / "uploads" / "data.jsonl")]
    assert (console.store.root / "jobs" / str(job["id"]) / "uploads" / "data.jsonl").is_file()
    assert job["reason"] in client.get("/").text                # the home page says why


def test_no_secret_on_any_page(make_client, tiny_model):
    client, console = make_client()
    values = {"model": str(tiny_model), "dataset": ["self-cognition#4"], "hub_token": "hf_SECRET_abc",
              "max_length": 10**7, "train_type": "full", "per_device_train_batch_size": 100000}
    job = console.store.submit("sft", values)
    for path in ("/", f"/jobs/{job.id}", "/api/jobs", f"/api/jobs/{job.id}", f"/compare?ids={job.id}"):
        assert "hf_SECRET_abc" not in client.get(path).text, path


def test_events_replay_from_last_event_id(make_client):
    """Run folder written by the test (as a training run writes it): ids 1..5, the end event, replay after 2."""
    client, console = make_client()
    job_id = write_run(console.store, [{"step": i, "max_steps": 5, "loss": 5.0 - i} for i in range(1, 6)])
    with open(console.store.root / "jobs" / str(job_id) / "exit_code", "w") as fh:
        fh.write("0")

    def ids(text):
        return [int(line[4:]) for line in text.splitlines() if line.startswith("id: ")]

    assert ids(client.get(f"/jobs/{job_id}/events").text) == [1, 2, 3, 4, 5, 10**9]
    again = client.get(f"/jobs/{job_id}/events", headers={"Last-Event-ID": "2"}).text
    assert ids(again) == [3, 4, 5, 10**9] and '"loss": 2.0' in again and '"loss": 4.0' not in again
    assert client.get(f"/jobs/{job_id}/events?after=4").text.count("event: log") == 1
    assert client.get(f"/jobs/{job_id}/events", headers={"Last-Event-ID": str(10**9)}).status_code == 204
    assert client.get("/jobs/999/events").status_code == 404
    page = client.get(f"/jobs/{job_id}").text
    assert "done" in page and f"#{job_id}" in page
    compare = client.get(f"/compare?ids={job_id},{write_run(console.store, [{'step': 1, 'loss': 1.0}])}")
    assert compare.status_code == 200 and "compare-chart" in compare.text


def test_share_refused_and_app_needs_a_model():
    r = swift("web-ui", "--share", "true")
    assert r.returncode == 2 and "no public tunnel" in r.stderr and "Traceback" not in r.stderr
    r = swift("app")
    assert r.returncode == 2 and "--model" in r.stderr and "Traceback" not in r.stderr


def test_non_loopback_bind_prints_a_token_and_requires_it(tmp_path):
    ui = WebUI(tmp_path / "home", "--server_name", "0.0.0.0")
    try:
        assert ui.token and "shown once" in ui.line
        assert httpx.get(ui.url + "/api/jobs", timeout=60).status_code == 401
        with httpx.Client(base_url=ui.url, follow_redirects=True, timeout=60) as c:
            assert c.get(f"/?token={ui.token}").status_code == 200 and c.get("/api/jobs").json() == []
    finally:
        ui.stop()
    local = WebUI(tmp_path / "home2")
    try:
        assert local.token is None and httpx.get(local.url + "/api/jobs", timeout=60).status_code == 200
    finally:
        local.stop()
