"""GRPO scores with each prompt computed once for its generations (engine/rl/shared_prefix.py): the same
log-probabilities, entropies and LoRA gradients as trl's own row-by-row computation, on left-padded prompts of
different lengths and right-padded completions."""
from __future__ import annotations

import torch
from datasets import Dataset
from peft import LoraConfig
from trl import GRPOConfig, GRPOTrainer

from swift_cli.engine.rl.grpo import _timed


def _trainer(tiny_model, tmp_path):
    args = GRPOConfig(output_dir=str(tmp_path), per_device_train_batch_size=4, num_generations=2, use_cpu=True,
                      gradient_checkpointing=False, report_to="none", max_completion_length=6, bf16=False,
                      temperature=0.7)
    rows = Dataset.from_list([{"prompt": [{"role": "user", "content": "hi"}]}] * 4)
    return _timed(GRPOTrainer)(model=str(tiny_model), reward_funcs=[lambda completions, **kw: [0.0] * len(completions)],
                               args=args, train_dataset=rows, peft_config=LoraConfig(r=4, target_modules="all-linear"))


def _batch():
    pad = 0
    prompts = [[pad, pad, 5, 6, 7], [pad, pad, 5, 6, 7], [11, 12, 13, 14, 15], [11, 12, 13, 14, 15]]
    completions = [[20, 21, 22, pad], [23, 24, pad, pad], [30, 31, 32, 33], [34, 35, 36, pad]]
    ids = torch.tensor([p + c for p, c in zip(prompts, completions)])
    mask = torch.tensor([[int(t != pad) for t in p] + [1] * 4 for p in prompts])
    mask[:, 5:] = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0]])
    return ids, mask


def test_shared_prompt_scores_and_gradients_equal_trls(tiny_model, tmp_path, monkeypatch):
    from swift_cli.engine.rl import shared_prefix

    calls = []
    real = shared_prefix.logps_and_entropies
    monkeypatch.setattr(shared_prefix, "logps_and_entropies", lambda *a: calls.append(1) or real(*a))
    trainer = _trainer(tiny_model, tmp_path)
    model = trainer.model
    model.train()
    ids, mask = _batch()
    results = []
    for fn in (GRPOTrainer._get_per_token_logps_and_entropies, type(trainer)._get_per_token_logps_and_entropies):
        torch.manual_seed(0)
        model.zero_grad()
        logps, entropies, _ = fn(trainer, model, ids, mask, 4, compute_entropy=True)
        (logps * mask[:, 5:]).sum().backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
        results.append((logps.detach(), entropies.detach(), grads))
    assert calls == [1]  # the second pass went through the shared prompt
    (ref_lp, ref_ent, ref_g), (lp, ent, g) = results
    live = mask[:, 5:].bool()
    assert torch.allclose(lp[live], ref_lp[live], atol=1e-5), (lp, ref_lp)
    assert torch.allclose(ent[live], ref_ent[live], atol=1e-4)
    assert g.keys() == ref_g.keys() and len(g) > 0
    for name in g:
        assert torch.allclose(g[name], ref_g[name], atol=1e-5, rtol=1e-4), name


def test_dropout_keeps_trls_own_computation(tiny_model, tmp_path):
    """With LoRA dropout one shared prompt forward would draw one mask for all of a prompt's rows: trl's path runs."""
    from swift_cli.engine.rl import shared_prefix

    trainer = _trainer(tiny_model, tmp_path)
    assert shared_prefix.supported(trainer)
    for module in trainer.model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.05
            break
    else:
        trainer.model.base_model.model.model.layers[0].self_attn.q_proj.lora_dropout["default"] = torch.nn.Dropout(0.05)
    assert not shared_prefix.supported(trainer)
