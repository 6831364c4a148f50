"""`swift eval --infer_backend llamacpp`: the tiny model converted once to an f32 GGUF (our export) and scored through
the same local server as pt, on the built-in sets; the answers are pt's where the random model's logits are not
near-ties (f32 in both engines, different summation order)."""
from __future__ import annotations

import json
import re

from tests.conftest import swift

GEN = '{"max_tokens": 12}'


def run(tmp_path, backend: str, model) -> tuple[dict, list[dict], str]:
    out = tmp_path / backend
    proc = swift("eval", "--model", model, "--torch_dtype", "float32", "--infer_backend", backend, "--eval_limit",
                 "3", "--eval_generation_config", GEN, "--eval_output_dir", out,
                 env={"YICHUI_HOME": str(tmp_path / "home")}, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (folder,) = out.glob("*")
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    log = proc.stdout + proc.stderr + (folder / "evalscope.log").read_text()  # loading notes go to the run's log
    return json.loads((folder / "eval_report.json").read_text()), rows, log


def test_llamacpp_scores_the_builtin_sets_like_pt(tiny_model, tmp_path):
    pt, pt_rows, _ = run(tmp_path, "pt", tiny_model)
    gg, gg_rows, log = run(tmp_path, "llamacpp", tiny_model)
    assert gg["args"]["infer_backend"] == "llamacpp" and "converting" in log and "(f32)" in log
    assert list((tmp_path / "home" / "gguf").glob("*/*-f32.gguf"))
    assert gg["model_loads"] == 1 and re.search(r"12 items, [\d.]+ s/item", log)
    assert {d: v["n"] for d, v in gg["models"]["tiny"].items()} == {d: v["n"] for d, v in pt["models"]["tiny"].items()}
    assert [(r["dataset"], r["prompt"]) for r in gg_rows] == [(r["dataset"], r["prompt"]) for r in pt_rows]
    same = sum(a["output"] == b["output"] for a, b in zip(gg_rows, pt_rows))
    assert same >= 8, [(a["output"], b["output"]) for a, b in zip(gg_rows, pt_rows)]  # measured: 10 of 12


def test_eval_base_with_llamacpp_is_one_line_exit_2(tiny_model, tmp_path):
    proc = swift("eval", "--model", tiny_model, "--adapters", tmp_path / "ckpt", "--eval_base", "true",
                 "--infer_backend", "llamacpp", "--eval_output_dir", tmp_path)
    assert proc.returncode == 2 and "--eval_base true" in proc.stderr and "Traceback" not in proc.stderr
