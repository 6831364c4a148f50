"""Discord slash commands: the app_commands tree holds every verb with its options, and each callback goes through
the same service handler as the prefix command. dpytest has no interactions, so the callbacks are invoked with a
minimal stand-in interaction (mocked: Discord cannot be reached here); the job they start is real (tiny model)."""
from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import discord.ext.test as dpytest
import pytest

from bot.config import BotConfig
from bot.discord_app import DiscordAdapter
from bot.discord_slash import SLASH
from bot.messages import VERBS
from bot.service import BotService
from jobs import JobStore
from jobs.table import ACTIVE


class StandInInteraction:
    """What the callbacks use of a discord.Interaction: who, where, defer and the follow-up message."""

    def __init__(self, user: str, channel_id: int):
        self.user = SimpleNamespace(name=user)
        self.channel_id = channel_id
        self.deferred = False
        self.sent: list[str] = []

        async def defer(thinking: bool = False) -> None:
            assert not self.sent, "deferred after the reply"
            self.deferred = True

        async def send(text: str) -> None:
            assert self.deferred, "replied without deferring first (Discord wants an answer within 3 s)"
            self.sent.append(text)

        self.response = SimpleNamespace(defer=defer)
        self.followup = SimpleNamespace(send=send)


def test_slash_tree_holds_every_verb_with_its_options(tmp_path):
    adapter = DiscordAdapter(BotService(BotConfig(), JobStore(tmp_path)))
    tree = {c.name: c for c in adapter.bot.tree.get_commands()}
    assert set(tree) == set(VERBS) == set(SLASH)
    options = {name: [(p.name, p.required) for p in cmd.parameters] for name, cmd in tree.items()}
    assert options["finetune"] == [("model_method", True), ("dataset", True), ("options", False)]
    assert options["plan"] == options["finetune"]
    assert options["status"] == [("job", False)] and options["cancel"] == [("job", True)]
    assert options["chat"] == [("job", True), ("prompt", True)]
    assert options["quota"] == options["recipes"] == options["help"] == []
    recipe = {p.name: p for p in tree["recipe"].parameters}
    assert [c.value for c in recipe["action"].choices] == ["save", "use"] and recipe["name"].required
    assert all(p.description and p.description != "…" for c in tree.values() for p in c.parameters)


@pytest.mark.asyncio
async def test_slash_commands_mock_discord_interaction_admit_a_real_job(home):
    service = BotService(BotConfig(progress_interval_s=0.0, sample_prompts=()), JobStore(home))
    adapter = DiscordAdapter(service, poll_s=3600)
    await adapter.bot._async_setup_hook()
    dpytest.configure(adapter.bot, members=["alice"])
    channel = dpytest.get_config().channels[0]
    tree = {c.name: c for c in adapter.bot.tree.get_commands()}

    async def slash(verb: str, **options) -> list[str]:
        interaction = StandInInteraction("alice", channel.id)
        await tree[verb].callback(interaction, **options)
        return interaction.sent

    assert ".finetune <model>-<method> <dataset>" in (await slash("help"))[0]
    # the same safety path as `.finetune tiny-lora self-cognition; rm -rf /`
    assert await slash("finetune", model_method="tiny-lora", dataset="self-cognition",
                       options="max_steps=2; rm -rf /") == ["refused: ';' is not allowed in a command (nothing runs "
                                                            "through a shell); nothing was run"]
    assert (await slash("finetune", model_method="tiny-lora", dataset="self-cognition",
                        options="output_dir=/tmp/x"))[0].startswith("refused:")
    assert (await slash("plan", model_method="tiny-lora", dataset="self-cognition"))[0]
    assert service.store.list() == [], "a refused or planned request started a job"
    reply = await slash("finetune", model_method="tiny-lora", dataset="self-cognition",
                        options="max_steps=400 logging_steps=1 save_steps=400")
    assert reply[0].startswith("job 1 running on local: swift sft") and "--max_steps 400" in reply[0], reply
    job = service.store.get(1)
    assert job.user == "alice" and job.status in ACTIVE and job.pid
    progress = dpytest.get_message()                  # the progress message goes to the channel, editable later
    assert progress.content.startswith("job 1 · tiny-lora on self-cognition")
    assert (await slash("status"))[0].startswith("job 1: running")
    assert (await slash("quota"))[0].startswith("alice: ")
    assert (await slash("cancel", job="1"))[0] == "job 1: stopping (a checkpoint is saved first)"
    end = time.monotonic() + 120
    while service.store.get(1).status in ACTIVE:
        assert time.monotonic() < end, service.store.log_tail(1)
        await asyncio.sleep(0.5)
    assert service.store.get(1).status in ("cancelled", "stopped", "failed", "done")
    await dpytest.empty_queue()
