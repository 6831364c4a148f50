"""The eval score a job asked for comes back in its final reply, with its interval: `eval=DATASETS` (a chat
shorthand for ms-swift's --eval_use_evalscope true --eval_dataset ...) parsed into the job's argv, the scores read
from the run folder's evalscope_eval/ (the layout the training's EvalScope callback writes: base and each
checkpoint, predictions.jsonl one row per item), the interval bootstrapped over the items, and the score kept in
the job table's score column (the benchmark database).

A real `swift sft --eval_use_evalscope true` on the tiny model takes ~3 min here (two EvalScope runs), too slow
for this folder; tests/eval/test_eval_training.py covers that the training writes this layout, and the files
here are written in that layout."""
from __future__ import annotations

import json
import time
from pathlib import Path

from bot.finetune import build
from jobs.evalscore import eval_lines, eval_scores
from jobs.meta import update_meta
from jobs.store import render_job_argv
from swift_cli.engine.eval.interval import wilson, with_interval
from tests.bot.conftest import make_service


def _scored(run: Path, label: str, scores: list[float]) -> None:
    folder = run / "evalscope_eval" / label / "20260101-000000"
    folder.mkdir(parents=True)
    rows = [{"model": "default", "dataset": "yichui_mcq", "subset": "en" if i % 2 else "zh", "index": i // 2,
             "score": s, "correct": s >= 1.0} for i, s in enumerate(scores)]
    (folder / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "eval_report.json").write_text(json.dumps({"models": {"default": {"yichui_mcq": with_interval({
        "score": sum(scores) / len(scores), "n": len(scores)})}}}))                # as swift eval saves it


def _run(tmp: Path) -> Path:
    run = tmp / "output" / "v0-20260101-000000"
    _scored(run, "base", [1, 1, 0, 0, 0, 0, 0, 0])
    _scored(run, "checkpoint-3", [1, 0, 0, 0, 0, 0, 0, 0])            # an earlier checkpoint: not the one shown
    _scored(run, "checkpoint-6", [1, 1, 1, 1, 1, 1, 0, 0])
    return run


def test_eval_shorthand_becomes_ms_swift_flags(tmp_path):
    ft = build(["tiny-lora", "self-cognition", "eval=yichui_mcq,yichui_math", "eval_limit=2"], tmp_path / "tiny",
               tmp_path / "up")
    argv = render_job_argv(ft.command, ft.values)
    assert argv[argv.index("--eval_use_evalscope") + 1] == "true"
    i = argv.index("--eval_dataset")
    assert argv[i + 1:i + 3] == ["yichui_mcq", "yichui_math"] and argv[argv.index("--eval_limit") + 1] == "2"
    assert ft.recipe["set"]["eval_dataset"] == ["yichui_mcq", "yichui_math"]      # shared recipes keep it


def test_score_interval_and_change_from_base(tmp_path):
    (s,) = eval_scores([_run(tmp_path)])
    assert (s["dataset"], s["label"], s["n"], s["score"], s["base"]) == ("yichui_mcq", "checkpoint-6", 8, 0.75, 0.25)
    assert (s["low"], s["high"]) == wilson(0.75, 8)           # the interval swift eval saved, as the web UI shows
    assert 0.3 < s["low"] < 0.75 < s["high"] <= 1.0                               # 6 of 8: a wide interval
    assert s["diff"] == 0.5 and 0 < s["diff_low"] < 0.5 < s["diff_high"] <= 0.875  # 4 items better, none worse
    (line,) = eval_lines([s])
    assert line.startswith(f"eval yichui_mcq: 0.750 (95% CI {s['low']:.3f}–{s['high']:.3f}, n=8) at checkpoint-6; "
                           f"base 0.250, change +0.500 (95% CI +")
    assert eval_scores([tmp_path / "nothing"]) == []


def test_score_interval_is_read_from_the_saved_report(tmp_path):
    run = _run(tmp_path)
    (report,) = (run / "evalscope_eval" / "checkpoint-6").glob("*/eval_report.json")
    saved = json.loads(report.read_text())
    saved["models"]["default"]["yichui_mcq"] |= {"low": 0.123, "high": 0.987}
    report.write_text(json.dumps(saved))
    (s,) = eval_scores([run])
    assert (s["low"], s["high"]) == (0.123, 0.987)                # not recomputed: one interval, written once
    report.unlink()                                               # an older run without the report: same formula
    (s,) = eval_scores([run])
    assert (s["low"], s["high"]) == wilson(0.75, 8)


def test_final_reply_carries_the_eval_score(home):
    svc = make_service(home)
    job_id = svc.store.table.insert("alice", "sft", ["sft", "--eval_use_evalscope", "true"], "running")
    job_dir = svc.store.root / "jobs" / str(job_id)
    run = _run(job_dir)
    ckpt = run / "checkpoint-6"
    ckpt.mkdir()
    for name, body in (("trainer_state.json", "{}"), ("adapter_config.json", "{}"),
                       ("adapter_model.safetensors", "weights")):
        (ckpt / name).write_text(body)
    (run / "logging.jsonl").write_text(json.dumps({"step": 6, "max_steps": 6, "loss": 1.0, "time": time.time()}) + "\n")
    (job_dir / "exit_code").write_text("0")                                       # it ended
    svc.store.table.update(job_id, job_dir=str(job_dir), started=time.time() - 60, pid=1)
    update_meta(job_dir, platform="console", channel="console", notified="accepted")
    svc.reattach("console")
    final = []
    for _ in range(3):
        final += [o.text for o in svc.poll() if o.final]
    (text,) = final
    assert text.startswith(f"job {job_id} done") and "\neval yichui_mcq: 0.750 (95% CI " in text, text
    assert "at checkpoint-6; base 0.250, change +0.500" in text
    assert svc.store.get(job_id).score == 0.75
    asked = make_service(home)
    other = asked.store.table.insert("alice", "sft", ["sft", "--eval_use_evalscope", "true"], "running")
    other_dir = asked.store.root / "jobs" / str(other)
    other_dir.mkdir(parents=True)
    (other_dir / "exit_code").write_text("0")
    asked.store.table.update(other, job_dir=str(other_dir), started=time.time() - 60, pid=1)
    update_meta(other_dir, platform="console", channel="console", notified="accepted")
    asked.reattach("console")
    (text,) = [o.text for _ in range(3) for o in asked.poll() if o.final]
    assert text.startswith(f"job {other} done\n") and text.splitlines()[-1] == (
        "eval: asked for, but no score was recorded (see the log: `warning: evalscope scoring ...`)"), text
