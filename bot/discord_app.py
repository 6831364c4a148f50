"""The Discord adapter (discord.py): prefix commands `.finetune ...` etc. and the same verbs as slash commands
(bot/discord_slash.py); one progress message per job, edited in place (at most one edit per
`progress_interval_s`, 5 s by default: inside Discord's 5 edits / 5 s per channel).
The token comes from DISCORD_TOKEN only; it is never printed or logged."""
from __future__ import annotations

import asyncio
import os

import discord
from discord.ext import commands

from bot.messages import VERBS
from bot.service import BotService, Ctx, Out


class DiscordAdapter:
    def __init__(self, service: BotService, poll_s: float = 2.0, sync_commands: bool = False):
        from bot.discord_slash import build_tree

        self.service, self.poll_s, self.sync_commands = service, poll_s, sync_commands
        intents = discord.Intents.default()
        intents.message_content = True
        intents.members = True
        self.bot = commands.Bot(command_prefix=".", intents=intents, help_command=None)
        self.progress: dict[str, discord.Message] = {}
        self._poller: asyncio.Task | None = None
        for verb in VERBS:
            self._register(verb)
        build_tree(self, self.bot.tree)      # the same verbs as slash commands
        self.bot.setup_hook = self._setup_hook

    def _register(self, verb: str) -> None:
        async def command(ctx: commands.Context, *, rest: str = "") -> None:
            who = Ctx(user=ctx.author.name, channel=str(ctx.channel.id), platform="discord")
            outs = await asyncio.to_thread(self.service.handle, who, ctx.message.content)
            await self.deliver(outs)

        self.bot.command(name=verb)(command)

    async def on_slash(self, interaction: discord.Interaction, verb: str, options: dict) -> list[Out]:
        """A slash command: the same service handler as the prefix command (bot/discord_slash.py)."""
        from bot.discord_slash import answer

        return await answer(self, interaction, verb, options)

    async def _setup_hook(self) -> None:
        await asyncio.to_thread(self.service.reattach, "discord")      # jobs started before a restart
        if self.sync_commands:
            await self.bot.tree.sync()      # registers the slash commands with Discord (global commands)
        self._poller = asyncio.create_task(self._poll_forever())

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            await self.pump()

    async def pump(self) -> list[Out]:
        """One poll of the service: progress edits and final messages delivered; returns them."""
        outs = await asyncio.to_thread(self.service.poll)
        await self.deliver(outs)
        return outs

    async def deliver(self, outs: list[Out]) -> None:
        for out in outs:
            channel = self.bot.get_channel(int(out.channel))
            if channel is None:
                continue
            text = out.text if len(out.text) <= 2000 else out.text[:1990] + " …"
            if out.key and out.key not in self.progress:
                self.progress[out.key] = await self._find(channel, out.key)
            if out.key and self.progress.get(out.key) is not None:
                self.progress[out.key] = await self.progress[out.key].edit(content=text)
            elif out.key:
                self.progress[out.key] = await channel.send(text)
                await asyncio.to_thread(self.service.remember_message, out.key, self.progress[out.key].id)
            else:
                await channel.send(text)

    async def _find(self, channel, key: str) -> discord.Message | None:
        """The progress message posted before a restart (its id is in the job's meta.json), if it still exists."""
        ref = await asyncio.to_thread(self.service.message_ref, key)
        if ref is None:
            return None
        try:
            return await channel.fetch_message(int(ref))
        except (discord.NotFound, discord.Forbidden, discord.HTTPException):
            return None


def run_discord(service: BotService, poll_s: float = 2.0) -> int:
    from swift_cli.errors import UsageError

    token = os.environ.get("DISCORD_TOKEN")
    if not token:
        raise UsageError("swift bot --platform discord: set DISCORD_TOKEN in the environment (never on the command "
                         "line or in bot.yaml)")
    DiscordAdapter(service, poll_s, sync_commands=True).bot.run(token, log_handler=None)
    return 0
