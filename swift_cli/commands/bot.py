"""`swift bot --platform discord|slack|console [--config bot.yaml] [--user NAME]`: the chat-ops front door.

Tokens come from the environment only (DISCORD_TOKEN; SLACK_BOT_TOKEN with SLACK_APP_TOKEN for Socket Mode),
never from flags, files or logs. The console adapter needs no config (local backend, local artifact store)."""
from __future__ import annotations

import getpass
from dataclasses import dataclass

from swift_cli.commands._common import parse
from swift_cli.errors import UsageError
from swift_cli.options.declare import opt

SUMMARY = ("Chat-ops: .finetune/.plan/.status/.cancel/.quota/.chat/.recipes from Discord, Slack or the console, "
           "as jobs on the job core, within each user's limits (bot.yaml)")


@dataclass(frozen=True)
class BotArgs:
    """Where the bot listens and as whom (console)."""

    platform: str = opt("console", "Chat platform", choices=("console", "discord", "slack"))
    user: str | None = opt(None, "Console only: the user the lines are typed as (default: your login name)")
    poll_s: float = opt(1.0, "Seconds between progress checks")


@dataclass(frozen=True)
class BotConfigArgs:
    bot: BotArgs


def _take_config(argv: list[str]) -> tuple[str | None, list[str]]:
    """bot.yaml is the bot's own file, not a command recipe: take --config out before the option parser."""
    rest, path = [], None
    it = iter(argv)
    for token in it:
        if token in ("--config", "--cfg"):
            path = next(it, None)
            if path is None:
                raise UsageError("--config needs a value (a bot.yaml)")
        elif token.startswith("--config="):
            path = token.split("=", 1)[1]
        else:
            rest.append(token)
    return path, rest


def main(argv: list[str], prog: str = "swift bot") -> int:
    path, rest = _take_config(argv)
    _, cfg = parse(BotConfigArgs, rest, prog, SUMMARY, usage_tail="  (here --config names a bot.yaml, not a recipe)")
    from bot.config import load
    from bot.safety import Refused
    from bot.service import BotService
    from jobs import JobStore

    try:
        config = load(path)
    except Refused as exc:
        raise UsageError(str(exc)) from None
    service = BotService(config, JobStore())
    platform = cfg.bot.platform
    if platform == "console":
        from bot.console import run

        return run(service, cfg.bot.user or getpass.getuser(), poll_s=cfg.bot.poll_s)
    if platform == "discord":
        from bot.discord_app import run_discord

        return run_discord(service, poll_s=cfg.bot.poll_s)
    from bot.slack_app import run_slack

    return run_slack(service, poll_s=cfg.bot.poll_s)
