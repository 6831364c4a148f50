"""A chat message → (verb, words, free text). The prefix is '.', as in the seed (`.finetune qwen-7b-lora wiki_zh`)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.safety import Refused, check_text

PREFIX = "."
VERBS = ("finetune", "plan", "status", "cancel", "quota", "chat", "recipes", "recipe", "help")
HELP = """commands:
.finetune <model>-<method> <dataset> [key=value ...]   e.g. .finetune qwen-7b-lora wiki_zh max_steps=100
                     eval=yichui_mcq scores each checkpoint; the final reply carries the score
.plan <model>-<method> <dataset> [key=value ...]       does it fit, where, at what cost
.status [job]        your jobs, or one job
.cancel <job>        stop a job (with a checkpoint); admins may cancel anyone's
.quota               your limits and today's use
.chat <job> <prompt> ask a finished job's model
.recipes             recipes shared in this channel
.recipe save <name> <job> | .recipe use <name> [key=value ...]
.help                this text
On Discord and Slack each command is also a slash command: /finetune, /plan, /status ..."""


@dataclass(frozen=True)
class Message:
    verb: str
    words: list[str]
    text: str          # everything after the verb, as typed (the .chat prompt)


def parse(text: str) -> Message | None:
    """None for a message that is not a command (no prefix); Refused for a bad one."""
    text = text.strip()
    if not text.startswith(PREFIX) or len(text) == 1:
        return None
    verb, _, rest = text[len(PREFIX):].partition(" ")
    verb = verb.lower()
    if verb not in VERBS:
        raise Refused(f"unknown command .{verb}; try .help")
    if verb != "chat":
        check_text(rest)
        return Message(verb, rest.split(), rest.strip())
    job, _, prompt = rest.strip().partition(" ")
    if "\n" in prompt:
        raise Refused("refused: one line per prompt; nothing was run")
    return Message(verb, [job] if job else [], prompt.strip())
