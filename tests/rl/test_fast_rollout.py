"""GRPO's rollouts without vLLM (engine/rl/fast_rollout.py): the same answers as transformers' generate where
sampling is deterministic, the sampling filters as generate applies them, and the trainer uses it."""
from __future__ import annotations

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from swift_cli.engine.rl.fast_rollout import _filter, sample_group


def test_shared_prefill_decoding_matches_generate_when_greedy(tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32).eval()
    for text in ("What is 3 plus 4?", "who are you?"):
        prompt = tok.apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True,
                                         tokenize=True, return_dict=True)["input_ids"]
        eos = {tok.eos_token_id, tok.convert_tokens_to_ids("<|im_end|>")}
        ours = sample_group(model, prompt, 3, 24, eos, 1.0, 1, None, "cpu")  # top-k 1: deterministic
        ref = model.generate(torch.tensor([prompt]), max_new_tokens=24, do_sample=False, eos_token_id=sorted(eos),
                             pad_token_id=tok.pad_token_id)[0, len(prompt):].tolist()
        cut = next((i + 1 for i, t in enumerate(ref) if t in eos), len(ref))  # generate pads after the end token
        assert ours == [ref[:cut]] * 3


def test_filters_keep_what_generate_keeps():
    logits = torch.tensor([[4.0, 3.0, 2.0, 1.0, 0.0]])
    kept = torch.isfinite(_filter(logits, 1.0, 2, None))
    assert kept.tolist() == [[True, True, False, False, False]]
    probs = torch.softmax(logits, -1)[0]  # 0.64, 0.24, 0.09, ...
    kept = torch.isfinite(_filter(logits, 1.0, None, float(probs[0] + 0.01)))
    assert kept.tolist() == [[True, True, False, False, False]]  # the smallest head reaching top_p
    assert torch.allclose(_filter(logits, 0.5, None, None), logits * 2)


def test_sampling_follows_the_tempered_distribution(tiny_model):
    model = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32).eval()
    torch.manual_seed(0)
    prompt = [1, 2, 3, 4]
    with torch.no_grad():
        logits = model(torch.tensor([prompt])).logits[0, -1].float()
    for temperature in (0.05, 0.2):
        answers = sample_group(model, prompt, 200, 1, set(), temperature, None, None, "cpu")
        p_top = float(torch.softmax(logits / temperature, -1).max())
        share = sum(a[0] == int(logits.argmax()) for a in answers) / len(answers)
        assert abs(share - p_top) < 0.1, (temperature, share, p_top)  # 200 draws: sd <= 0.035


def test_vllm_rollouts_refuse_a_policy_with_full_modules(tiny_model):
    """Checked before vLLM starts (so it runs here, without a GPU); on an H200 trl failed at the first weight sync."""
    import pytest
    from peft import LoraConfig, get_peft_model

    from swift_cli.engine.rl.grpo import refuse_full_modules_for_vllm
    from swift_cli.errors import UsageError

    config = LoraConfig(r=4, target_modules="all-linear", modules_to_save=["lm_head"])
    with pytest.raises(UsageError, match="also trains lm_head in full"):
        refuse_full_modules_for_vllm(AutoModelForCausalLM.from_pretrained(tiny_model), config)
    with pytest.raises(UsageError, match="also trains lm_head in full"):
        refuse_full_modules_for_vllm(get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model), config))
    refuse_full_modules_for_vllm(AutoModelForCausalLM.from_pretrained(tiny_model), LoraConfig(r=4))
