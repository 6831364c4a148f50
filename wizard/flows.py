"""One flow per main-menu entry. Each flow asks its questions as steps (Esc steps back), builds a Job (a
command + option values) and hands it to jobs.execute — the same `main(argv)` the CLI runs."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hardware.rules import bnb_trains
from swift_cli import mainjob
from wizard import jobs, pickers, planfit, questions, report, ui
from wizard.i18n import t

RECIPE = mainjob.RECIPES[mainjob.TINY]
# The tiny model is randomly initialised: DPO on it needs a higher rate and few steps to show anything.
TINY_DPO = {"learning_rate": 5e-4, "max_steps": 30, "per_device_train_batch_size": 4,
            "gradient_accumulation_steps": 1, "gradient_checkpointing": False, "max_length": 256, "logging_steps": 5}
TRAIN_TYPE_KEYS = {"lora": "tt.lora", "qlora": "tt.qlora", "dora": "tt.dora", "full": "tt.full"}
# Options some flows ask besides the ones declared wizard=True (label and help still come from the declaration).
EXTRA = {"rlhf": ["beta"], "deploy": ["port"], "download": ["use_hf", "local_dir"],
         "export": ["merge_lora", "to", "gguf_type", "quant_method", "quant_bits", "output_dir"],
         "quantize": ["quant_method", "quant_bits", "output_dir"]}


@dataclass
class Ctx:
    """What the whole session shares: the wizard's own options and the hardware it plans for."""

    hardware: str | None = None
    output_dir: str = "output"
    preset: dict[str, Any] = field(default_factory=dict)    # --model / --dataset given on the command line
    auto: bool = False
    _profile: Any = None

    @property
    def profile(self):
        if self._profile is None:
            self._profile = planfit.profile(self.hardware)
        return self._profile


def run_steps(steps: list[Callable[[dict], bool | None]], st: dict) -> None:
    """Run the steps in order; Esc in a step goes back to the previous step that asked something
    (a step returns False when it asked nothing, e.g. a preset answer). Back from the first leaves the flow."""
    asked: list[int] = []
    i = 0
    while i < len(steps):
        try:
            if steps[i](st) is not False:
                asked.append(i)
            i += 1
        except ui.Back:
            if not asked:
                raise
            i = asked.pop()


def _output_dir(ctx: Ctx, values: dict) -> str:
    """output/<model name> as ms-swift names it; for an adapter (…/<model>/vN-…/checkpoint-N), that model's name."""
    if values.get("model"):
        name = Path(str(values["model"]).rstrip("/")).name
    else:
        ckpt = Path((values.get("adapters") or ["run"])[0].split("=")[-1]).resolve()
        name = ckpt.parents[1].name if len(ckpt.parents) > 2 else ckpt.name
    return str((Path(ctx.output_dir) / name).resolve())


def _model_step(ctx: Ctx, allow_tiny: bool = True, allow_adapter: bool = False):
    def step(st: dict) -> bool:
        if "model" in ctx.preset:
            st["values"].update(pickers.preset_values(ctx.preset["model"]))
            return False
        st["values"].pop("model", None)
        st["values"].pop("adapters", None)
        st["values"].update(pickers.pick_model(ctx.profile, allow_tiny, allow_adapter))
        return True
    return step


def _builtin_defaults(command: str, values: dict) -> dict:
    """The main job's real model: its recipe (sft); the built-in tiny model: the demo recipe (sft) or the tiny DPO
    settings. The user's answers always win."""
    model = values.get("model")
    if not model and values.get("adapters"):
        from swift_cli.engine.models import base_model_of

        model = base_model_of(Path(values["adapters"][0].split("=")[-1]))
    if command == "sft" and mainjob.is_real(model):   # the real model's recipe (CPU-sized budget)
        return {**_recipe_values(mainjob.RECIPES[mainjob.REAL]), **values}
    if not pickers.is_tiny(model):
        return values
    if command == "sft":
        # The recipe's batch of 8 is the whole global batch: the planner would otherwise accumulate to 16.
        return {**_recipe_values(RECIPE), "gradient_accumulation_steps": 1, **values}
    return {**TINY_DPO, **values}


def _recipe_values(recipe: Path) -> dict:
    """A recipe's option values, less its model and dataset (those are the job's own)."""
    from swift_cli.commands.sft import SftConfig
    from swift_cli.options.declare import command_specs
    from swift_cli.options.parse import load_yaml_values

    base = load_yaml_values(command_specs(SftConfig), str(recipe))
    base.pop("dataset", None)
    base.pop("model", None)
    return base


def train_flow(ctx: Ctx, command: str) -> int:
    """Fine-tune (sft) or align (rlhf): model, data, method, plan, parameters, confirm, run, report."""
    plan_task = "sft" if command == "sft" else "dpo"
    cls = jobs.config_class(command)
    st: dict = {"values": {}}
    data_task = "sft" if command == "sft" else "dpo"

    def dataset(st):
        if "dataset" in ctx.preset:
            st["values"]["dataset"] = ctx.preset["dataset"]
            return False
        st["values"]["dataset"] = pickers.pick_dataset(data_task)
        return True

    def names(st):
        if not any(d.split("#")[0] in ("self-cognition", "swift/self-cognition") for d in st["values"]["dataset"]):
            return False
        spec = questions.specs(cls)
        v = _builtin_defaults(command, dict(st["values"]))
        for name, default in (("model_name", ["小锤", "Yichui"]), ("model_author", ["一锤定音", "yichui"])):
            st["values"][name] = questions.ask_option(spec[name], v.get(name) or default)
        return True

    def method(st):
        if command == "sft":
            methods = [c for c in questions.specs(cls)["train_type"].choices
                       if c != "qlora" or bnb_trains(ctx.profile.accelerator)]
            choices = [ui.Choice(t(TRAIN_TYPE_KEYS[c]), c) for c in methods if c in TRAIN_TYPE_KEYS]
            st["values"]["train_type"] = ui.select(t("tt.ask"), choices, default="lora")
        else:
            spec = questions.specs(cls)["rlhf_type"]
            # rm / ppo / gkd need a second model or a reward model: CLI only; GRPO runs on the built-in rewards
            kinds = [c for c in spec.choices if c not in ("rm", "ppo", "gkd")]
            st["values"]["rlhf_type"] = ui.select(t("rlhf.ask"), [ui.Choice(c, c) for c in kinds])
            if st["values"]["rlhf_type"] == "grpo":
                st["values"]["reward_funcs"] = questions.ask_option(questions.specs(cls)["reward_funcs"], ["format"])
            st["values"]["train_type"] = "lora"  # ms-swift's usual alignment setup; full stays a parameter edit
        return True

    def plan(st):
        values = _builtin_defaults(command, {**st["values"], "output_dir": _output_dir(ctx, st["values"])})
        st["planned"] = planfit.plan_step(cls, values, plan_task, ctx.hardware)
        st.pop("final", None)  # a new plan starts the parameters afresh
        return True

    def params(st):
        asked = {"model", "dataset", "model_name", "model_author"} | ({"train_type"} if command == "sft" else set())
        names_ = [n for n in questions.wizard_options(cls) + EXTRA.get(command, []) if n not in asked]
        st["final"] = questions.edit(cls, st.get("final") or st["planned"], names_)
        return True

    def confirm(st):
        job = jobs.Job(command, st["final"], plan_task)
        while True:
            jobs.show_command(job)
            choices = [ui.Choice(t(f"confirm.{c}"), c) for c in ("run", "edit", "back", "exit")]
            choice = ui.select(t("confirm.ask"), choices)
            if choice == "edit":
                params(st)
                job = jobs.Job(command, st["final"], plan_task)
            elif choice == "back":
                raise ui.Back()
            else:
                st["go"] = choice == "run"
                st["job"] = job
                return True

    planfit.show_hardware(ctx.profile, ctx.hardware)
    run_steps([_model_step(ctx, allow_adapter=command != "sft"), dataset, names, method, plan, params, confirm], st)
    if not st["go"]:
        return 0
    return run_and_report(ctx, st["job"])


def auto_job(ctx: Ctx, command: str) -> jobs.Job:
    """--auto: the default job with no questions (the tiny model and the built-in data unless preset)."""
    # the main job fine-tunes the real model; DPO's default stays on the tiny model (seconds)
    default = mainjob.REAL if command == "sft" else pickers.TINY
    values: dict = pickers.preset_values(ctx.preset.get("model", default))
    if command == "sft":
        values["dataset"] = ctx.preset.get("dataset", ["self-cognition#400"])
        values.update(model_name=list(mainjob.NAMES), model_author=list(mainjob.AUTHORS))
    else:
        values.update(dataset=ctx.preset.get("dataset", ["tiny-preferences"]), rlhf_type="dpo")
    values = _builtin_defaults(command, {"train_type": "lora", **values, "output_dir": _output_dir(ctx, values)})
    cls = jobs.config_class(command)
    plan, why = planfit.make_plan(cls, values, "sft" if command == "sft" else "dpo", ctx.hardware)
    if plan is not None:
        values = {**planfit.flags_as_values(cls, plan.flags), **values}
        ui.console.print(f"[bold]{t('plan.title')}[/]: {planfit.verdict(plan)}")
    else:
        ui.console.print(t("plan.none", why=why))
    if command == "sft" and mainjob.is_real(values.get("model")) and values.get("max_steps"):
        eta, gflops = mainjob.eta_seconds(int(values["max_steps"]))
        ui.console.print(t("auto.eta", min=f"{eta / 60:.0f}", steps=values["max_steps"], gflops=f"{gflops:.0f}"))
    return jobs.Job(command, values, "sft" if command == "sft" else "dpo")


def run_and_report(ctx: Ctx, job: jobs.Job) -> int:
    """Answers before, the run, answers after, the report, then (interactive) the next actions."""
    ui.console.print(t("report.asking", which=t("report.base")))
    before = report.ask(report.model_values(job))
    outcome = jobs.execute(job)
    if outcome.code or not outcome.checkpoint:
        return outcome.code or 1
    ui.console.print(t("report.asking", which=t("report.tuned")))
    after = report.ask(report.trained_values(job, outcome))
    learned = report.render(job, outcome, before, after)
    if ctx.auto:
        return 0 if learned else 1
    return next_actions(ctx, report.trained_values(job, outcome))


def next_actions(ctx: Ctx, trained: dict) -> int:
    choice = ui.select(t("next.ask"), [ui.Choice(t("next.chat"), "chat"), ui.Choice(t("next.export"), "export"),
                                       ui.Choice(t("next.deploy"), "deploy"), ui.Choice(t("next.menu"), "menu"),
                                       ui.Choice(t("next.exit"), "exit")])
    if choice in ("chat", "export", "deploy"):
        command = {"chat": "infer"}.get(choice, choice)
        return command_flow(ctx, command, preset=trained)
    return -1 if choice == "menu" else 0


def command_flow(ctx: Ctx, command: str, preset: dict | None = None) -> int:
    """Chat, deploy, download, quantize, export: the model, then the command's wizard options, confirm, run."""
    if not jobs.available(command):
        ui.console.print(f"[yellow]{t('unavailable', cmd=command)}[/]")
        return -1
    cls = jobs.config_class(command)
    spec = questions.specs(cls)
    st: dict = {"values": dict(preset or {})}

    def model(st):
        if preset or ("model" not in spec and "adapters" not in spec):
            return False
        return _model_step(ctx, allow_tiny=command != "download", allow_adapter="adapters" in spec)(st)

    def options(st):
        names = [n for n in questions.wizard_options(cls) + EXTRA.get(command, [])
                 if n in spec and n not in ("model", "adapters", "dataset")]
        if not names:
            return False
        st["values"] = questions.edit(cls, st["values"], names)
        return True

    def confirm(st):
        job = jobs.Job(command, st["values"])
        jobs.show_command(job)
        choice = ui.select(t("confirm.ask"), [ui.Choice(t(f"confirm.{c}"), c) for c in ("run", "back", "exit")])
        if choice == "back":
            raise ui.Back()
        st["job"] = job if choice == "run" else None
        return True

    if not preset:
        planfit.show_hardware(ctx.profile, ctx.hardware)
    run_steps([model, options, confirm], st)
    if st["job"] is None:
        return 0
    return jobs.execute(st["job"]).code


def plan_flow(ctx: Ctx) -> int:
    """Plan hardware & memory: the same `swift plan` table for a model, a workload and a method."""
    cls = jobs.config_class("plan")
    spec = questions.specs(cls)
    st: dict = {"values": {}}

    def task(st):
        st["values"]["task"] = ui.select(t("plan.task"), [ui.Choice(c, c) for c in spec["task"].choices])
        return True

    def method(st):
        if st["values"]["task"] == "infer":
            st["values"].pop("train_type", None)
            return False
        choices = [ui.Choice(t(TRAIN_TYPE_KEYS[c]), c) for c in spec["train_type"].choices if c in TRAIN_TYPE_KEYS]
        st["values"]["train_type"] = ui.select(t("tt.ask"), choices, default="lora")
        return True

    planfit.show_hardware(ctx.profile, ctx.hardware)
    run_steps([_model_step(ctx), task, method], st)
    values = {**st["values"], "hardware": ctx.hardware}
    # The method is the user's choice: written out even for LoRA, else `swift plan` would pick freely.
    return jobs.execute(jobs.Job("plan", values, always=("train_type",))).code
