"""The Discord adapter through dpytest (discord.py's offline test backend): prefix commands reach the service,
refusals come back in one line, and a real tiny job's one progress message is edited in place until done."""
from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time

import discord.ext.test as dpytest
import pytest
from discord.ext.test import callbacks

from bot.config import BotConfig
from bot.discord_app import DiscordAdapter
from bot.service import BotService
from jobs import JobStore


@pytest.mark.asyncio
async def test_discord_prefix_commands_and_edited_progress(home):
    service = BotService(BotConfig(progress_interval_s=0.0, sample_prompts=()), JobStore(home))
    adapter = DiscordAdapter(service, poll_s=3600)        # the test pumps the poller itself
    await adapter.bot._async_setup_hook()
    dpytest.configure(adapter.bot, members=["alice"])
    edits: list[str] = []

    async def on_edit(channel, message, fields):
        edits.append(fields["params"].payload["content"])

    callbacks.set_callback(on_edit, "edit_message")
    await dpytest.message(".help")
    assert dpytest.verify().message().contains().content(".finetune <model>-<method> <dataset>")
    await dpytest.message(".finetune tiny-lora self-cognition; rm -rf /")
    assert dpytest.verify().message().content("refused: ';' is not allowed in a command (nothing runs through "
                                              "a shell); nothing was run")
    await dpytest.message(".finetune tiny-lora self-cognition max_steps=6 logging_steps=2 save_steps=6")
    accepted = dpytest.get_message()
    assert accepted.content.startswith("job 1 running on local: swift sft"), accepted.content
    progress = dpytest.get_message()
    assert progress.content.startswith("job 1 · tiny-lora on self-cognition")
    final = None
    end = time.monotonic() + 400
    while final is None:
        assert time.monotonic() < end, service.store.log_tail(1)
        await asyncio.sleep(0.5)
        await adapter.pump()
        if not dpytest.sent_queue.empty():
            final = dpytest.get_message()
    assert final.content.startswith("job 1 done") and "adapter: http://127.0.0.1:" in final.content
    assert any("step 6/6" in e for e in edits) and edits[-1].endswith("done · local · $0.00"), edits
    fetched = await progress.channel.fetch_message(progress.id)      # one message, edited in place
    assert fetched.content == edits[-1]
    await dpytest.message(".status 1")                   # a finished job: its structured record too
    status = dpytest.get_message().content
    assert "step 6/6" in status and "\nmachine local · model tiny · method lora\n" in status, status
    assert re.search(r"\npeak: predicted \d[\d.]* (MiB|GiB), measured \d[\d.]* (MiB|GiB)\n", status), status
    assert re.search(r"\nthroughput: \d+ tokens/s\nloss: \d\.\d\d \d\.\d\d.* \(6 steps\)\nwall time \d+:\d\d · cost "
                     r"\$0\.00$", status), status
    shown = subprocess.run([sys.executable, "-m", "swift_cli", "jobs", "show", "1"], capture_output=True, text=True,
                           env={**os.environ, "YICHUI_HOME": str(home)}, timeout=120)
    record = json.loads(shown.stdout)["record"]                # the CLI shows the same record
    assert record["steps"] == 6 and record["method"] == "lora" and record["measured_peak_mib"] > 0, record
    await dpytest.empty_queue()


@pytest.mark.asyncio
async def test_discord_restart_keeps_editing_the_same_message(home, sleeper):
    """A restart loses the adapter's map of progress messages; the re-attached job's message is found again by
    the id kept in its meta.json and edited in place (no second message), and its final message is sent once."""
    import json
    from pathlib import Path

    from jobs.meta import update_meta
    from tests.bot.conftest import make_service, running_row

    service = make_service(home)
    adapter = DiscordAdapter(service, poll_s=3600)
    await adapter.bot._async_setup_hook()
    dpytest.configure(adapter.bot, members=["alice"])
    channel = dpytest.get_config().channels[0]
    job_id = running_row(service.store, "alice", sleeper.pid)
    job_dir = Path(service.store.table.get(job_id).job_dir)
    update_meta(job_dir, platform="discord", channel=str(channel.id), notified="accepted", title="tiny-lora on x")
    run = job_dir / "output" / "v0-20260101-000000"
    run.mkdir(parents=True)
    log = run / "logging.jsonl"
    log.write_text(json.dumps({"step": 2, "max_steps": 9, "loss": 2.0, "time": time.time()}) + "\n")
    assert service.reattach("discord") == [job_id]
    await adapter.pump()
    posted = dpytest.get_message()
    assert "step 2/9" in posted.content and dpytest.sent_queue.empty()

    adapter.service, adapter.progress = make_service(home), {}          # the restart: a new service, no map
    assert adapter.service.reattach("discord") == [job_id]
    edits: list[tuple[int, str]] = []

    async def on_edit(channel, message, fields):
        edits.append((message.id, fields["params"].payload["content"]))

    callbacks.set_callback(on_edit, "edit_message")
    with log.open("a") as fh:
        fh.write(json.dumps({"step": 5, "max_steps": 9, "loss": 1.5, "time": time.time()}) + "\n")
    await adapter.pump()
    assert dpytest.sent_queue.empty(), "a second progress message was posted"
    assert edits and edits[-1][0] == posted.id and "step 5/9" in edits[-1][1], edits
    (job_dir / "exit_code").write_text("0")
    for _ in range(3):
        await adapter.pump()
    final = dpytest.get_message()
    assert final.content.startswith(f"job {job_id} done") and dpytest.sent_queue.empty()
    assert (await channel.fetch_message(posted.id)).content.endswith("done · local · $0.00")
    again = make_service(home)                                           # restarted once more: nothing to say
    assert again.reattach("discord") == [] and again.poll() == []
    await dpytest.empty_queue()
