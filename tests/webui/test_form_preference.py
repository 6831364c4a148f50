"""The New-run form offers every preference method `swift rlhf` trains on dpo's preference data (orpo, simpo, cpo,
kto): the exact `swift rlhf --rlhf_type X ...` line comes from the one renderer, the dry run plans that method (the
planner's note names it, reference model or not), an uploaded preference file is checked for it (kto splits each
pair into a desirable and an undesirable row), and the form's task cannot be overridden by a typed --rlhf_type."""
from __future__ import annotations

import json
import re

from tests.webui.conftest import csrf_of
from webui.forms import PREFERENCE_TYPES

PAIRS = [{"prompt": "2+2?", "chosen": "4", "rejected": "5"},
         {"messages": [{"role": "user", "content": "capital of France?"}, {"role": "assistant", "content": "Paris"}],
          "rejected_response": "Rome"},
         {"prompt": "hi", "chosen": "hello"}]                      # line 3: no 'rejected'


def test_preference_methods_render_plan_and_check_their_data(make_client, tiny_model):
    client, _ = make_client(lang="en")
    page = client.get("/new").text
    assert re.findall(r"<option>(\w+)</option>", page)[:7] == ["sft", "pt", "dpo", "orpo", "simpo", "cpo", "kto"]
    h = {"X-CSRF-Token": csrf_of(page)}
    body = "".join(json.dumps(r) + "\n" for r in PAIRS).encode()
    for method in PREFERENCE_TYPES:
        up = client.post(f"/api/upload?name=prefs.jsonl&task={method}", content=body, headers=h).json()
        assert up["good"] == (4 if method == "kto" else 2), up        # kto: each pair gives two unpaired rows
        assert len(up["problems"]) == 1 and "prefs.jsonl:3" in up["problems"][0] and "rejected" in up["problems"][0]
        form = {"task": method, "model": str(tiny_model), "dataset": up["path"], "max_steps": "2",
                "max_length": "128", "extra": "--beta 0.2"}
        r = client.post("/api/plan", json=form, headers=h)
        assert r.status_code == 200, r.text
        plan = r.json()
        assert plan["command_line"] == (f"swift rlhf --rlhf_type {method} --beta 0.2 --model {tiny_model} --dataset "
                                        f"{up['path']} --max_length 128 --max_steps 2 --report_to none"), plan
        assert plan["fits"] is True and plan["peak_gib"] > 0, plan
        note = next(n for n in plan["notes"] if n.startswith(f"--rlhf_type {method}:"))
        assert ("no reference model" in note) == (method != "kto"), note
        defaults = client.post("/api/defaults", json={"task": method, "model": str(tiny_model)}, headers=h).json()
        assert defaults["fits"] is True and defaults["defaults"].get("max_length"), defaults

    bad = client.post("/api/plan", json={"task": "orpo", "model": str(tiny_model), "extra": "--rlhf_type grpo"},
                      headers=h)                                  # the form's task is the method: no silent swap
    assert bad.status_code == 400 and bad.json()["error"].startswith("--rlhf_type grpo"), bad.text
