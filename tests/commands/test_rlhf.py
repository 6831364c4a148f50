"""`swift dpo` / `swift rlhf`: preferences learned (held-out margin rises, marker used), bad files refused."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from swift_cli.resources import resource_path
from tests.conftest import swift

HELD_OUT = 12


@pytest.fixture(scope="module")
def pref_split(tmp_path_factory) -> tuple[Path, list[dict]]:
    """The built-in preference set split into a training file and held-out pairs (both languages)."""
    rows = [json.loads(line) for line in resource_path("tiny_preferences.jsonl").read_text().splitlines()]
    held = rows[: HELD_OUT // 2] + rows[-HELD_OUT // 2:]
    train = rows[HELD_OUT // 2: -HELD_OUT // 2]
    path = tmp_path_factory.mktemp("prefs") / "train.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in train) + "\n")
    return path, held




def _evaluate(tiny_model: Path, adapter: Path, held: list[dict]) -> tuple[float, int]:
    """(mean held-out margin, held-out greedy answers that use the marker) under base + adapter."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from swift_cli.engine.data.encode import prompt_ids
    from swift_cli.engine.pref_eval import mean_margin

    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), adapter).eval()
    import torch

    marked = 0
    for p in held:
        ids = torch.tensor([prompt_ids(tok, p["prompt"])])
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=40, do_sample=False,
                             pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
        text = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
        marked += ("gladly" in text.lower()) or ("乐意" in text)
    return mean_margin(model, tok, held), marked


# (command, steps, learning rate, least margin gain, expect the marker in greedy answers). Measured by this test
# on the tiny model from a 60-step SFT adapter, 12 held-out pairs, margin before -29.2, marker 0/12:
# DPO -> +3.0 and 6/12; ORPO -> -5.0 and 12/12; KTO (at 2e-3 it diverged) -> -27.6 and 12/12;
# SimPO -> +105 but 0/12 (no NLL term: it pushes rejected answers down rather than chosen ones up);
# CPO -> -7.6 and 10/12.
ALGORITHMS = {
    "dpo": (["dpo", "--beta", "0.1"], 40, "2e-3", 3.0, True),
    "orpo": (["rlhf", "--rlhf_type", "orpo", "--beta", "1.0"], 60, "3e-3", 3.0, True),
    "kto": (["rlhf", "--rlhf_type", "kto", "--beta", "0.1"], 80, "1e-3", 1.0, True),
    "simpo": (["rlhf", "--rlhf_type", "simpo"], 60, "2e-3", 3.0, False),
    "cpo": (["rlhf", "--rlhf_type", "cpo"], 60, "2e-3", 3.0, True),
}


@pytest.mark.parametrize("algo", list(ALGORITHMS))
def test_alignment_from_sft_adapter_learns_the_marker(tiny_model, sft_adapter, pref_split, tmp_path, algo):
    train_file, held = pref_split
    command, steps, lr, least_gain, expect_marker = ALGORITHMS[algo]
    before_margin, before_marked = _evaluate(tiny_model, sft_adapter, held)
    proc = swift(*command, "--adapters", sft_adapter, "--dataset", train_file, "--max_steps", str(steps),
                 "--learning_rate", lr, "--per_device_train_batch_size", "4", "--gradient_checkpointing", "false",
                 "--save_steps", str(steps), "--logging_steps", "5", "--report_to", "none", "--output_dir", tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = next(tmp_path.glob("v*"))
    ckpt = run / f"checkpoint-{steps}"
    after_margin, after_marked = _evaluate(tiny_model, ckpt, held)
    print(f"{algo}: held-out margin {before_margin:.2f} -> {after_margin:.2f}; "
          f"marker in greedy answers {before_marked}/{len(held)} -> {after_marked}/{len(held)}")
    assert after_margin > before_margin + least_gain
    if expect_marker:
        assert after_marked > before_marked
    records = [json.loads(line) for line in (run / "logging.jsonl").read_text().splitlines()]
    for key in ("rewards/chosen", "rewards/rejected", "rewards/margins"):
        assert any(key in r for r in records), key
    assert (run / "rewards.png").is_file()
    args = json.loads((run / "args.json").read_text())
    assert args["rlhf_type"] == algo and Path(args["model_dir"]).resolve() == Path(tiny_model).resolve()


BAD_ROWS = {
    "missing rejected": {"prompt": "hi", "chosen": "hello"},
    "identical": {"prompt": "hi", "chosen": "hello", "rejected": "hello"},
    "empty prompt": {"prompt": "  ", "chosen": "a", "rejected": "b"},
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_preference_rows_are_one_line_errors(tiny_model, tmp_path, case):
    good = {"prompt": "hi", "chosen": "gladly hello", "rejected": "hello"}
    path = tmp_path / "prefs.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(BAD_ROWS[case]) + "\n")
    proc = swift("dpo", "--model", tiny_model, "--dataset", path, "--output_dir", tmp_path / "out")
    assert proc.returncode == 2
    assert f"{path}:2:" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
    check = swift("validate-dataset", "--task", "dpo", path)
    assert check.returncode == 2 and f"{path}:2:" in check.stdout
