"""The New-run form through HTTP: the model list says what each model fits on this machine (the pure planner on the
probe's data), and the key fields are pre-filled with the planner's values for the chosen model and method — only
the fields the user left empty; the user's values stay. Planning keeps the UI process light (no torch)."""
from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO
from tests.webui.conftest import csrf_of

PLANNED = {"lora_rank", "max_length", "per_device_train_batch_size", "gradient_accumulation_steps"}


def _fits(html: str) -> dict[str, str]:
    return dict(re.findall(r'<option value="([^"]+)" data-fit="([^"]*)"', html))


def test_model_list_says_what_fits_here(make_client):
    client, _ = make_client(lang="en")
    html = client.get("/new").text
    fits = _fits(html)
    assert len(fits) > 20 and set(fits.values()) <= {"full", "lora", "qlora", "infer", "no"}, fits
    assert fits["smollm2-135m-instruct"] in ("full", "lora")          # 135M trains on any machine
    assert fits["qwen2.5-72b-instruct"] != "full"                      # 72B is never fully trained on one box
    order = ["full", "lora", "qlora", "infer", "no"]                   # bigger never fits better than smaller
    assert order.index(fits["qwen2.5-0.5b-instruct"]) <= order.index(fits["qwen2.5-7b-instruct"]) \
        <= order.index(fits["qwen2.5-72b-instruct"])
    assert 'label="0.135B · fits full fine-tuning"' in html or 'label="0.135B · fits LoRA"' in html
    assert "可 LoRA" in client.get("/new?lang=zh").text or "可全参微调" in client.get("/new?lang=zh").text


def test_planner_fills_only_the_empty_fields(make_client, tiny_model):
    client, _ = make_client(lang="en")
    h = {"X-CSRF-Token": csrf_of(client.get("/new").text)}
    assert client.post("/api/defaults", json={"model": str(tiny_model)}).status_code == 403   # CSRF
    empty = client.post("/api/defaults", json={"task": "sft", "model": str(tiny_model)}, headers=h).json()
    assert set(empty["defaults"]) == PLANNED and empty["fits"] is True and empty["fit_text"], empty
    assert all(isinstance(v, int) and v > 0 for v in empty["defaults"].values())
    mine = {"task": "sft", "model": str(tiny_model), "max_length": "128", "per_device_train_batch_size": "3"}
    kept = client.post("/api/defaults", json=mine, headers=h).json()
    assert set(kept["defaults"]) == PLANNED - {"max_length", "per_device_train_batch_size"}, kept
    full = client.post("/api/defaults", json={**mine, "train_type": "full"}, headers=h).json()
    assert "lora_rank" not in full["defaults"] and "train_type" not in full["defaults"], full
    # the filled form is what the plan panel then plans: it fits, and the command carries the user's values
    form = {**mine, **{k: str(v) for k, v in kept["defaults"].items()}, "dataset": "self-cognition#40"}
    plan = client.post("/api/plan", json=form, headers=h).json()
    assert plan["fits"] is True and "--max_length 128" in plan["command_line"] \
        and "--per_device_train_batch_size 3" in plan["command_line"], plan
    zh = client.post("/api/defaults?lang=zh", json={"model": "qwen2.5-0.5b-instruct"}, headers=h).json()
    assert re.search(r"[\u4e00-\u9fff]", zh["fit_text"]), zh
    unknown = client.post("/api/defaults", json={"model": "no-such/model-xyz"}, headers=h).json()
    assert unknown["fit"] is None and unknown["defaults"] == {} and "no-such/model-xyz" in unknown["fit_text"]


def test_planning_for_the_form_imports_no_engine():
    code = ("import sys\nfrom hardware.profiles import builtin_profile\nfrom webui.fit import model_choices, "
            "planner_defaults\np = builtin_profile('a10g')\nassert model_choices(p)\n"
            "assert planner_defaults({'model': 'qwen2.5-7b-instruct'}, p)['defaults']\n"
            "print('HEAVY', sorted(m for m in ('torch', 'transformers', 'numpy', 'peft') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
