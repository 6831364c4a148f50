"""Held-out evaluation shared by the RL tests and bench/rl_grpo.py: greedy answers scored by the built-in rewards."""
from __future__ import annotations

import json
from pathlib import Path


def greedy_rewards(model_dir: Path, adapter: Path | None, held: Path, max_new_tokens: int = 32) -> dict:
    """Mean format and accuracy rewards of greedy answers to the held-out prompts under base (+ adapter)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from swift_cli.engine.data.encode import prompt_ids
    from swift_cli.engine.rl.rewards import AccuracyReward, FormatReward

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    rows = [json.loads(line) for line in held.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = []
    for row in rows:
        ids = torch.tensor([prompt_ids(tok, row["messages"])])
        with torch.no_grad():
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                                 do_sample=False, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
        texts.append(tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True))
    fmt = FormatReward()(texts)
    acc = AccuracyReward()(texts, solution=[r["solution"] for r in rows])
    return {"format": sum(fmt) / len(fmt), "accuracy": sum(a or 0 for a in acc) / len(acc), "samples": texts[:3]}
