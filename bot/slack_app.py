"""The Slack adapter (slack-bolt): slash commands `/finetune ...` (Slack has them) and `.finetune ...` messages;
one progress message per job, edited in place with chat.update at most once per `progress_interval_s`.
Tokens: SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode: no server of ours listens), from the environment only,
never printed or logged."""
from __future__ import annotations

import os
import re
import threading

from slack_bolt import App
from slack_sdk import WebClient

from bot.messages import VERBS
from bot.service import BotService, Ctx, Out

SLASH = re.compile(rf"^/({'|'.join(VERBS)})$")


class SlackAdapter:
    def __init__(self, service: BotService, app: App, poll_s: float = 2.0):
        self.service, self.app, self.poll_s = service, app, poll_s
        self.progress: dict[str, tuple[str, str]] = {}       # job key → (channel, ts)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        app.command(SLASH)(self._on_slash)
        app.message(re.compile(r"^\."))(self._on_message)

    @property
    def client(self) -> WebClient:
        return self.app.client

    def _on_slash(self, ack, command, client) -> None:
        ack()
        text = f".{command['command'].lstrip('/')} {command.get('text', '')}".strip()
        who = Ctx(user=command.get("user_name") or command["user_id"], channel=command["channel_id"], platform="slack")
        self.deliver(self.service.handle(who, text))

    def _on_message(self, message) -> None:
        if message.get("bot_id"):
            return
        who = Ctx(user=message.get("user", "?"), channel=message["channel"], platform="slack")
        self.deliver(self.service.handle(who, message.get("text", "")))

    def deliver(self, outs: list[Out]) -> None:
        with self._lock:
            for out in outs:
                if out.key and out.key not in self.progress and (ref := self.service.message_ref(out.key)):
                    self.progress[out.key] = tuple(ref)      # posted before a restart
                if out.key and out.key in self.progress:
                    channel, ts = self.progress[out.key]
                    self.client.chat_update(channel=channel, ts=ts, text=out.text)
                else:
                    resp = self.client.chat_postMessage(channel=out.channel, text=out.text)
                    if out.key:
                        self.progress[out.key] = (resp["channel"], resp["ts"])
                        self.service.remember_message(out.key, [resp["channel"], resp["ts"]])

    def pump(self) -> list[Out]:
        outs = self.service.poll()
        self.deliver(outs)
        return outs

    def start_polling(self) -> threading.Thread:
        def loop() -> None:
            while not self._stop.wait(self.poll_s):
                self.pump()

        thread = threading.Thread(target=loop, name="bot-progress", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()


def run_slack(service: BotService, poll_s: float = 2.0) -> int:
    """Socket Mode only: the bot connects out to Slack, so no server of ours listens anywhere."""
    from swift_cli.errors import UsageError

    token, app_token = os.environ.get("SLACK_BOT_TOKEN"), os.environ.get("SLACK_APP_TOKEN")
    if not token or not app_token:
        raise UsageError("swift bot --platform slack: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) in the "
                         "environment (never on the command line or in bot.yaml)")
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app = App(token=token, signing_secret=os.environ.get("SLACK_SIGNING_SECRET"), token_verification_enabled=True)
    adapter = SlackAdapter(service, app, poll_s)
    service.reattach("slack")      # jobs started before a restart: followed again
    adapter.start_polling()
    SocketModeHandler(app, app_token).start()
    return 0
