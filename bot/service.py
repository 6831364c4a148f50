"""The bot, platform-free: a message in → replies out; poll() → progress edits and final messages.

Adapters (console, Discord, Slack) only move text: an `Out` with a `key` is a job's progress message (the first
one is posted, later ones edit it in place); one without a key is a new message. Every request, decision and
result goes to the audit log."""
from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot import finetune as ft_mod
from bot.config import BotConfig
from bot.finish import final_message, samples_message
from bot.messages import HELP, parse
from bot.progress import progress_text
from bot.recipes import RecipeBook
from bot.safety import Refused, check_name
from jobs.audit import AuditLog
from jobs.events import read_events
from jobs.meta import read_meta, update_meta
from jobs.quota import usage
from jobs.store import JobStore
from jobs.table import ACTIVE


@dataclass(frozen=True)
class Ctx:
    user: str
    channel: str = "console"
    platform: str = "console"


@dataclass
class Out:
    text: str
    channel: str
    key: str | None = None      # "job-3": the job's progress message (posted once, then edited)
    final: bool = False


@dataclass
class Track:
    job_id: int
    channel: str
    user: str
    last_edit: float = 0.0
    last_text: str = ""
    finished: bool = False
    stopping: bool = False
    extra: dict = field(default_factory=dict)


class BotService:
    def __init__(self, config: BotConfig, store: JobStore, artifacts_factory=None):
        self.config, self.store = config, store
        self.root = store.root / "bot"
        self.audit = AuditLog(self.root / "audit.jsonl")
        self.recipes = RecipeBook(self.root / "recipes")
        self.tracks: dict[int, Track] = {}
        self._artifacts_factory = artifacts_factory
        self._artifacts = None
        self._lock = threading.RLock()

    @property
    def artifacts(self):
        if self._artifacts is None:
            from jobs.artifacts import open_store

            self._artifacts = (self._artifacts_factory or (lambda: open_store(self.config.store, self.store.root)))()
        return self._artifacts

    # --- requests -------------------------------------------------------------------------------------------
    def handle(self, ctx: Ctx, text: str) -> list[Out]:
        """Replies to one message (empty for a message that is not a command)."""
        try:
            msg = parse(text)
        except Refused as exc:
            self.audit.write("request", user=ctx.user, channel=ctx.channel, platform=ctx.platform, text=text)
            return [self._decide(ctx, "refused", str(exc))]
        if msg is None:
            return []
        self.audit.write("request", user=ctx.user, channel=ctx.channel, platform=ctx.platform, text=text)
        try:
            with self._lock:
                return getattr(self, f"_do_{msg.verb}")(ctx, msg)
        except Refused as exc:
            return [self._decide(ctx, "refused", str(exc))]

    def _decide(self, ctx: Ctx, decision: str, text: str, **more) -> Out:
        self.audit.write("decision", user=ctx.user, channel=ctx.channel, decision=decision, reply=text, **more)
        return Out(text, ctx.channel)

    def _do_help(self, ctx: Ctx, msg) -> list[Out]:
        return [Out(HELP, ctx.channel)]

    def _upload_dir(self, user: str) -> Path:
        return self.root / "uploads" / "".join(c if c.isalnum() or c in "-_." else "_" for c in user)

    def _tiny_dir(self) -> Path:
        return self.store.root / "models" / "tiny"

    def _parse_finetune(self, ctx: Ctx, words: list[str]) -> ft_mod.Finetune:
        ft = ft_mod.build(words, self._tiny_dir(), self._upload_dir(ctx.user))
        limits = self.config.limits_for(ctx.user, ctx.channel)
        for what, value in (("models", ft.model_alias), ("methods", ft.method), ("datasets", ft.dataset)):
            if not (limits.allows(what, value) or (what == "models" and limits.allows(what, ft.model_key))):
                raise Refused(f"refused: {what[:-1]} {value!r} is not allowed here (allowed: "
                              f"{', '.join(getattr(limits, what))}); nothing was run")
        return ft

    def _check_quota(self, ctx: Ctx) -> tuple[str | None, float]:
        """(a budget warning or None, GPU-hours left today); Refused when a limit is reached."""
        limits = self.config.limits_for(ctx.user, ctx.channel)
        use = usage(self.store.list(), ctx.user)
        active = [j.id for j in self.store.list(user=ctx.user) if j.status in ACTIVE]
        if len(active) >= limits.max_concurrent:
            raise Refused(f"refused: you have {len(active)} active job(s) ({', '.join(map(str, active))}); the limit "
                          f"is {limits.max_concurrent} at a time; .cancel one or wait")
        frac = use.fraction(limits.gpu_hours_per_day)
        budget = f"{use.gpu_hours_today:.2f} of {limits.gpu_hours_per_day:g} GPU-hours used today"
        if frac >= 1.0:
            raise Refused(f"refused: daily budget reached ({budget}); it resets at 00:00 UTC")
        left = limits.gpu_hours_per_day - use.gpu_hours_today
        return (f"warning: {frac:.0%} of your daily budget used ({budget})" if frac >= 0.8 else None), left

    def _do_plan(self, ctx: Ctx, msg) -> list[Out]:
        from bot.planning import plan_reply

        ft = self._parse_finetune(ctx, msg.words)
        return [self._decide(ctx, "plan", plan_reply(ft, self.config))]

    def _do_finetune(self, ctx: Ctx, msg) -> list[Out]:
        ft = self._parse_finetune(ctx, msg.words)
        warning, hours_left = self._check_quota(ctx)
        limits = self.config.limits_for(ctx.user, ctx.channel)
        if ft.model_key == "tiny":
            self._ensure_tiny()
        from bot.launch import submit

        job, machine = submit(self, ctx, ft)
        runtime = min(limits.max_runtime_s, hours_left * 3600 / max(1, machine.get("gpus", 1)))
        update_meta(job.job_dir, platform=ctx.platform, channel=ctx.channel, request=msg.text, recipe=ft.recipe,
                    title=f"{ft.model_alias}-{ft.method} on {ft.dataset}", model=ft.model_key, method=ft.method,
                    max_runtime_s=runtime, idle_s=limits.idle_minutes * 60, notified="accepted", **machine)
        if job.status == "refused":
            return [self._decide(ctx, "refused", f"job {job.id} refused: {job.reason}", job=job.id)]
        self.tracks[job.id] = Track(job.id, ctx.channel, ctx.user)
        text = f"job {job.id} {job.status} on {machine['machine']}: {job.command_line}"
        outs = [self._decide(ctx, "accepted", text, job=job.id, argv=job.argv)]
        if warning:
            outs.append(Out(warning, ctx.channel))
        outs.append(self._progress_out(self.tracks[job.id], force=True))
        return outs

    def _ensure_tiny(self) -> None:
        tiny = self._tiny_dir()
        if not (tiny / "config.json").is_file():
            subprocess.run([self.store.python, "-m", "swift_cli", "tiny-model", "--out", str(tiny)], check=True,
                           capture_output=True, stdin=subprocess.DEVNULL)

    def _owned(self, ctx: Ctx, word: str | None, verb: str):
        if not word or not word.isdigit():
            raise Refused(f"usage: .{verb} <job id> (see .status)")
        job = self.store.get(int(word))
        if job is None:
            raise Refused(f"no job {word}")
        if job.user != ctx.user and ctx.user not in self.config.admins:
            raise Refused(f"refused: job {job.id} is {job.user}'s; only admins can {verb} other users' jobs")
        return job

    def _do_status(self, ctx: Ctx, msg) -> list[Out]:
        if msg.words:
            job = self._owned(ctx, msg.words[0], "status")
            return [Out(self._status_text(job), ctx.channel)]
        jobs = self.store.list(user=ctx.user)[-10:]
        lines = [f"job {j.id}: {j.status} step={j.last_step} loss={j.last_loss}" for j in jobs]
        return [Out("\n".join(lines) or "no jobs yet; try .finetune tiny-lora self-cognition", ctx.channel)]

    def _status_text(self, job) -> str:
        """The job's progress line; for a finished job also its structured record (kept in meta.json by the final
        message, else computed from the run folder now)."""
        from jobs.record import job_record, record_text

        meta = read_meta(job.job_dir) if job.job_dir else {}
        records = [d for _, _, d in self.store.events(job.id) if "step" in d]
        text = progress_text(job, records, meta)
        if job.status in ACTIVE or not job.job_dir:
            return text
        return f"{text}\n{record_text(job_record(self.store, job))}"

    def _do_cancel(self, ctx: Ctx, msg) -> list[Out]:
        job = self._owned(ctx, msg.words[0] if msg.words else None, "cancel")
        if job.status not in ACTIVE:
            return [Out(f"job {job.id} is already {job.status}", ctx.channel)]
        self._stop(job.id, f"cancelled by {ctx.user}")
        return [self._decide(ctx, "cancel", f"job {job.id}: stopping (a checkpoint is saved first)", job=job.id)]

    def _stop(self, job_id: int, reason: str) -> None:
        job = self.store.get(job_id)
        update_meta(job.job_dir, stop_reason=reason)
        if job_id in self.tracks:
            self.tracks[job_id].stopping = True
        from bot.launch import stop

        threading.Thread(target=stop, args=(self, job), daemon=True).start()

    def _do_quota(self, ctx: Ctx, msg) -> list[Out]:
        limits = self.config.limits_for(ctx.user, ctx.channel)
        use = usage(self.store.list(), ctx.user)
        return [Out(f"{ctx.user}: {use.gpu_hours_today:.3f} of {limits.gpu_hours_per_day:g} GPU-hours today "
                    f"({use.fraction(limits.gpu_hours_per_day):.0%}); {use.active} of {limits.max_concurrent} "
                    f"concurrent jobs; max runtime {limits.max_runtime_s / 3600:g} h; idle stop after "
                    f"{limits.idle_minutes:g} min; models: {', '.join(limits.models)}", ctx.channel)]

    def _do_chat(self, ctx: Ctx, msg) -> list[Out]:
        from jobs.answers import answer, best_checkpoint

        job = self._owned(ctx, msg.words[0] if msg.words else None, "chat")
        if not msg.text:
            raise Refused("usage: .chat <job> <prompt>")
        if job.status in ACTIVE:
            return [Out(f"job {job.id} is still {job.status}; ask again when it is done", ctx.channel)]
        ckpt = best_checkpoint(self.store, job)
        if ckpt is None:
            return [Out(f"job {job.id} has no checkpoint to chat with", ctx.channel)]
        reply = answer(["--adapters", str(ckpt)], msg.text, self.store.python)
        self.audit.write("result", user=ctx.user, job=job.id, kind_of="chat", reply=reply)
        return [Out(f"job {job.id}: {reply}", ctx.channel)]

    def _do_recipes(self, ctx: Ctx, msg) -> list[Out]:
        return [Out("\n".join(self.recipes.list(ctx.channel)) or "no recipes in this channel yet", ctx.channel)]

    def _do_recipe(self, ctx: Ctx, msg) -> list[Out]:
        words = msg.words
        if len(words) >= 3 and words[0] == "save":
            check_name("recipe", words[1])
            job = self._owned(ctx, words[2], "share")
            recipe = read_meta(job.job_dir).get("recipe")
            if not recipe:
                raise Refused(f"job {job.id} was not started from chat; nothing to share")
            self.recipes.save(ctx.channel, words[1], recipe, ctx.user)
            return [self._decide(ctx, "recipe-saved", f"recipe {words[1]!r} saved: {recipe['model']} "
                                                      f"{recipe['dataset']}")]
        if len(words) >= 2 and words[0] == "use":
            from bot.messages import Message

            inner = self.recipes.words(ctx.channel, words[1], words[2:])
            return self._do_finetune(ctx, Message("finetune", inner, " ".join(inner)))
        raise Refused("usage: .recipe save <name> <job> | .recipe use <name> [key=value ...]")

    # --- progress -------------------------------------------------------------------------------------------
    def _progress_out(self, track: Track, force: bool = False) -> Out | None:
        job = self.store.get(track.job_id)
        text = progress_text(job, [d for _, _, d in read_events(self.store.run_dirs(job))], read_meta(job.job_dir))
        now = time.monotonic()
        if text == track.last_text or (not force and now - track.last_edit < self.config.progress_interval_s):
            return None
        track.last_edit, track.last_text = now, text
        return Out(text, track.channel, key=f"job-{job.id}")

    def poll(self) -> list[Out]:
        """Progress edits (rate-limited), limits enforced, final messages for jobs that ended."""
        outs: list[Out] = []
        with self._lock:
            for track in [t for t in self.tracks.values() if not t.finished]:
                outs += self._poll_one(track)
        return outs

    def _poll_one(self, track: Track) -> list[Out]:
        from jobs.limits import breach

        job = self.store.get(track.job_id)
        meta = read_meta(job.job_dir)
        if meta.get("backend") == "cloud" and job.status in ACTIVE:
            self._pull_cloud(track, job)
        records = [d for _, _, d in read_events(self.store.run_dirs(job))] if job.job_dir else []
        hit = None if track.stopping else breach(job, meta.get("max_runtime_s"), meta.get("idle_s"), records=records)
        if hit:
            self.audit.write("decision", user=track.user, job=job.id, decision=f"stop-{hit.kind}", reply=hit.message)
            self._stop(job.id, hit.message)
        if job.status in ACTIVE:
            out = self._progress_out(track)
            return [out] if out else []
        stage = track.extra.get("notified", "accepted")
        if stage == "accepted":      # the last edit first; the final message (uploads, samples) next poll
            self._notified(track, job, "ended")
            out = self._progress_out(track, force=True)
            return [out] if out else []
        if stage == "ended":      # the links first; the answers before/after (slower) next poll
            text = final_message(self.store, self.artifacts, job, float(self.config.store.get("ttl_s", 3600)))
            self.audit.write("result", user=track.user, job=job.id, status=job.status, reply=text)
            more = job.status == "done" and bool(self.config.sample_prompts)
            self._notified(track, job, "linked" if more else "final")
            return [Out(text, track.channel, final=not more)]
        self._notified(track, job, "final")
        text = samples_message(self.store, job, self.config.sample_prompts)
        self.audit.write("result", user=track.user, job=job.id, samples=text)
        return [Out(text, track.channel, final=True)] if text else []

    def _pull_cloud(self, track: Track, job) -> None:
        """A cloud job's records as the machine last uploaded them, at most once per progress interval."""
        from bot.finish import pull_progress

        now = time.monotonic()
        if now - track.extra.get("pulled", -1e9) < self.config.progress_interval_s:
            return
        track.extra["pulled"] = now
        try:
            pull_progress(self.artifacts, job)
        except Exception as exc:  # noqa: BLE001 - the store unreachable for a moment: the next poll tries again
            self.audit.write("decision", job=job.id, decision="progress-unavailable", reply=type(exc).__name__)

    def _notified(self, track: Track, job, stage: str) -> None:
        """What chat has been told of the job's end, kept in meta.json so a restarted bot never says it twice."""
        track.extra["notified"] = stage
        track.finished = stage == "final"
        update_meta(job.job_dir, notified=stage)

    # --- restart --------------------------------------------------------------------------------------------
    def reattach(self, platform: str, user: str | None = None) -> list[int]:
        """After a restart: follow again every job this platform started whose final message was not sent yet
        (still running, or ended while the bot was down), from the job table. Their progress messages are edited
        again (the adapter finds the message through `message_ref`) and each final message is sent once."""
        found = []
        with self._lock:
            for job in self.store.list(user=user):
                meta = read_meta(job.job_dir) if job.job_dir else {}
                stage = meta.get("notified")
                if meta.get("platform") != platform or stage in (None, "final") or job.id in self.tracks:
                    continue
                track = Track(job.id, str(meta.get("channel", platform)), job.user)
                track.extra["notified"] = stage
                self.tracks[job.id] = track
                found.append(job.id)
        if found:
            self.audit.write("decision", decision="reattach", platform=platform, jobs=found)
        return found

    def _job_dir(self, key: str) -> Path | None:
        job = self.store.table.get(int(key.rpartition("-")[2])) if key.startswith("job-") else None
        return Path(job.job_dir) if job and job.job_dir else None

    def remember_message(self, key: str, ref) -> None:
        """The platform's handle of a job's progress message (Discord message id, Slack [channel, ts])."""
        if (job_dir := self._job_dir(key)) is not None:
            update_meta(job_dir, progress_ref=ref)

    def message_ref(self, key: str):
        """The handle `remember_message` kept (None when the message was never posted or is unknown)."""
        job_dir = self._job_dir(key)
        return read_meta(job_dir).get("progress_ref") if job_dir is not None else None

    def active(self) -> bool:
        return any(not t.finished for t in self.tracks.values())
