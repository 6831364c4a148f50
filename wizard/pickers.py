"""The model and dataset pickers. A local dataset file is checked on the spot by `swift validate-dataset`."""
from __future__ import annotations

import contextlib
import io
import os
import shutil
from pathlib import Path

from swift_cli import mainjob
from swift_cli.registry.models import MODELS
from wizard import ui
from wizard.i18n import t
from wizard.planfit import entry_fit

TINY = "tiny"


def yichui_home() -> Path:
    return Path(os.environ.get("YICHUI_HOME") or Path.home() / ".yichui")


def tiny_model_dir() -> Path:
    """The built-in tiny model, built on first use (into a temp folder renamed when complete)."""
    target = yichui_home() / "models" / "tiny"
    if (target / "config.json").is_file():
        return target.resolve()
    from swift_cli.engine.tiny_model import build_tiny_model

    ui.console.print(t("model.building", path=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tiny.tmp-{os.getpid()}"
    try:
        build_tiny_model(tmp, overwrite=True)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target.resolve()


def preset_values(model: str) -> dict:
    """--model on the wizard's command line as option values: the tiny model, an adapter folder, or a model."""
    if model == TINY:
        return {"model": str(tiny_model_dir())}
    if model.lower() == mainjob.REAL:   # the real model of the main job: hub, else the installed package
        return {"model": str(mainjob.real_model_dir(say=ui.console.print))}
    path = Path(model).expanduser()
    if (path / "adapter_config.json").is_file():
        return {"adapters": [str(path.resolve())]}
    return {"model": str(path.resolve()) if path.is_dir() else model}


def is_tiny(model: str | None) -> bool:
    return bool(model) and Path(model).resolve() == (yichui_home() / "models" / "tiny").resolve()


def _local_dir(marker: str, message_key: str):
    def check(value: str) -> str | None:
        path = Path(value.strip()).expanduser()
        return None if (path / marker).is_file() else t(message_key, path=value.strip())
    return check


def pick_model(prof, allow_tiny: bool = True, allow_adapter: bool = False) -> dict:
    """Ask for a model; returns option values: {"model": ...} or {"adapters": [...]}."""
    choices = []
    if allow_tiny:
        choices.append(ui.Choice(t("model.tiny"), "tiny"))
    if allow_adapter:
        choices.append(ui.Choice(t("model.adapter"), "adapter"))
    choices += [ui.Choice(t("model.registry", n=len(MODELS)), "registry"),
                ui.Choice(t("model.local"), "local"), ui.Choice(t("model.hub"), "hub")]
    while True:
        kind = ui.select(t("model.ask"), choices)
        try:
            if kind == "tiny":
                return {"model": str(tiny_model_dir())}
            if kind == "adapter":
                path = ui.text(t("model.ckpt"), validate=_local_dir("adapter_config.json", "model.no_adapter"))
                return {"adapters": [str(Path(path).expanduser().resolve())]}
            if kind == "local":
                path = ui.text(t("model.path"), validate=_local_dir("config.json", "model.no_config"))
                return {"model": str(Path(path).expanduser().resolve())}
            if kind == "hub":
                return {"model": ui.text(t("model.id"), validate=lambda v: None if v.strip() else "?")}
            width = max(len(m.key) for m in MODELS)
            listed = [ui.Choice(f"{m.key:<{width}} {m.params_b:>6.1f}B  {m.kind:<9} {entry_fit(m, prof)}",
                                m.ms_id or m.hf_id or m.key) for m in sorted(MODELS, key=lambda m: m.params_b)]
            return {"model": ui.select(t("model.pick"), listed, search=True)}
        except ui.Back:
            continue


def check_dataset_file(path: str, task: str) -> bool:
    """Run `swift validate-dataset` on the file and show its line-numbered problems; True when clean."""
    from swift_cli.app import run_command
    from swift_cli.commands import validate_dataset

    out, err = io.StringIO(), io.StringIO()
    check_task = "dpo" if task in ("dpo", "orpo", "cpo", "simpo") else task
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_command(validate_dataset.main, ["--task", check_task, path], prog="swift validate-dataset")
    lines = [line for line in (out.getvalue() + err.getvalue()).splitlines() if line.strip()]
    for line in lines[-25:]:
        ui.console.print(("[green]" if code == 0 else "[red]") + line.replace("[", r"\[") + "[/]")
    return code == 0


def pick_dataset(task: str) -> list[str]:
    """Ask for the dataset(s): a built-in, a local file validated now, or a hub name."""
    builtin = ui.Choice(t("data.pref"), "tiny-preferences") if task != "sft" else ui.Choice(t("data.self"),
                                                                                             "self-cognition")
    choices = [builtin, ui.Choice(t("data.file"), "file"), ui.Choice(t("data.hub"), "hub")]
    if task == "sft":  # image-text sets for VL models (a local file with `images` is checked as one, too)
        choices.append(ui.Choice(t("data.vl"), "vl"))
    while True:
        kind = ui.select(t("data.ask"), choices)
        try:
            if kind == "file":
                path = ui.text(t("data.path"), validate=lambda v: None if Path(v.strip()).expanduser().is_file()
                               else t("data.missing", path=v.strip()))
                path = str(Path(path).expanduser().resolve())
                if check_dataset_file(path, task):
                    return [path]
                ui.console.print(f"[red]{t('data.bad', path=path)}[/]")
                continue
            if kind == "hub":
                return [ui.text(t("data.hub_name"), validate=lambda v: None if v.strip() else "?")]
            if kind == "self-cognition":
                return ["self-cognition#400"]
            if kind == "vl":
                from swift_cli.registry.datasets import DATASETS

                return [ui.select(t("data.vl_pick"), [ui.Choice(f"{d.key:<14} {d.rows:>5}  {d.note}", f"{d.key}#1000")
                                                      for d in DATASETS if d.task == "vl"])]
            return [kind]
        except ui.Back:
            continue
