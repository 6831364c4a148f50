"""Discord slash commands (`/finetune`, `/plan`, ...): an `app_commands` tree whose callbacks turn the options back
into the prefix command's text (`.finetune tiny-lora self-cognition max_steps=2`) and hand it to the same service
handler, so a slash command passes the same parsing and safety checks as a typed `.finetune` (an injection attempt
in an option is refused the same way). The first reply answers the interaction; a job's progress message is posted
to the channel (an interaction's reply cannot be edited after 15 minutes, a channel message can)."""
from __future__ import annotations

import asyncio
from typing import Literal

import discord
from discord import app_commands

from bot.messages import HELP
from bot.service import Ctx

# verb → (description, [(option, description, required)]); options are strings (the service checks them).
SLASH = {
    "finetune": ("start a fine-tuning job", [
        ("model_method", "<model>-<method>, e.g. qwen-7b-lora", True), ("dataset", "a dataset or upload:<file>", True),
        ("options", "key=value ... (e.g. max_steps=100)", False)]),
    "plan": ("does it fit, where, at what cost", [
        ("model_method", "<model>-<method>, e.g. qwen-7b-lora", True), ("dataset", "a dataset or upload:<file>", True),
        ("options", "key=value ...", False)]),
    "status": ("your jobs, or one job", [("job", "a job id", False)]),
    "cancel": ("stop a job (with a checkpoint)", [("job", "a job id", True)]),
    "quota": ("your limits and today's use", []),
    "chat": ("ask a finished job's model", [("job", "a job id", True), ("prompt", "one line", True)]),
    "recipes": ("recipes shared in this channel", []),
    "recipe": ("share a run's recipe, or start one", [
        ("action", "save <name> <job> | use <name> [key=value ...]", True), ("name", "the recipe's name", True),
        ("rest", "save: the job id; use: key=value ...", False)]),
    "help": ("the commands", []),
}


def slash_text(verb: str, **options: str | None) -> str:
    """The prefix command a slash command stands for (options in declaration order, empty ones left out)."""
    words = [str(v).strip() for v in options.values() if v is not None and str(v).strip()]
    return " ".join([f".{verb}", *words])


def _callback(adapter, verb: str):
    """A callback whose signature declares the verb's options (discord.py reads them from the annotations)."""
    async def run(interaction: discord.Interaction, **options: str | None) -> None:
        await adapter.on_slash(interaction, verb, options)

    async def job_request(interaction: discord.Interaction, model_method: str, dataset: str,
                          options: str | None = None) -> None:
        await run(interaction, model_method=model_method, dataset=dataset, options=options)

    async def one_job(interaction: discord.Interaction, job: str) -> None:
        await run(interaction, job=job)

    async def maybe_job(interaction: discord.Interaction, job: str | None = None) -> None:
        await run(interaction, job=job)

    async def job_prompt(interaction: discord.Interaction, job: str, prompt: str) -> None:
        await run(interaction, job=job, prompt=prompt)

    async def recipe(interaction: discord.Interaction, action: Literal["save", "use"], name: str,
                     rest: str | None = None) -> None:
        await run(interaction, action=action, name=name, rest=rest)

    async def bare(interaction: discord.Interaction) -> None:
        await run(interaction)

    return {"finetune": job_request, "plan": job_request, "status": maybe_job, "cancel": one_job,
            "chat": job_prompt, "recipe": recipe}.get(verb, bare)


def build_tree(adapter, tree: app_commands.CommandTree) -> app_commands.CommandTree:
    """Every verb as a slash command on `tree`, each routed to `adapter.on_slash`."""
    for verb, (description, options) in SLASH.items():
        callback = app_commands.describe(**{name: text for name, text, _ in options})(_callback(adapter, verb))
        tree.add_command(app_commands.Command(name=verb, description=description, callback=callback))
    return tree


async def answer(adapter, interaction: discord.Interaction, verb: str, options: dict) -> list:
    """Defer at once (Discord wants an answer within 3 s), run the command through the service, reply with the
    first plain message and deliver the rest (progress message, warnings) like a prefix command's."""
    await interaction.response.defer(thinking=True)
    who = Ctx(user=interaction.user.name, channel=str(interaction.channel_id), platform="discord")
    outs = await asyncio.to_thread(adapter.service.handle, who, slash_text(verb, **options))
    first = next((o for o in outs if o.key is None), None)
    text = first.text if first is not None else (HELP if verb == "help" else "ok")
    await interaction.followup.send(text if len(text) <= 2000 else text[:1990] + " …")
    await adapter.deliver([o for o in outs if o is not first])
    return outs
