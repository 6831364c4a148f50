"""Fingerprints of a model (logits on fixed prompts, greedy answers, held-out perplexity) and their comparison.

The source model and the reloaded artifact are both reduced to a Fingerprint through a Runner, so the
same check serves torch models, GGUF files read back by transformers and ONNX graphs run by onnxruntime.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# Fixed prompts: identity questions the demo adapter learned plus everyday ones (greedy answers compared).
PROMPTS = (
    "who are you?", "What is your name?", "你是谁？", "Who made you?", "Introduce yourself.",
    "Are you ChatGPT?", "你叫什么名字？", "What can you do?", "Tell me about yourself.", "Hello!",
    "What is the capital of France?", "Write a haiku about rain.", "How do I boil an egg?",
    "Give me three colours.", "What is 2 + 2?", "Translate 'good morning' into Chinese.",
    "Why is the sky blue?", "Name a fruit.", "谁开发了你？", "Say something nice.",
)
HELD_OUT_CHARS = 6000  # tail of the bundled English corpus used for perplexity


@dataclass
class Fingerprint:
    prompt_ids: list[list[int]]
    logits: list[np.ndarray]          # per logit prompt: [len, vocab] float32
    greedy: list[list[int]]           # generated ids per prompt
    margins: list[list[float]]        # top-1 minus top-2 logit at each generated step (ties explain flips)
    texts: list[str]
    ppl: float | None = None
    extra: dict = field(default_factory=dict)


class TorchRunner:
    """A transformers causal LM (or PeftModel) on CPU/GPU."""

    def __init__(self, model, eos_ids: list[int], pad_id: int | None):
        self.model, self.eos_ids, self.pad_id = model.eval(), eos_ids, pad_id

    def logits(self, ids: list[int]) -> np.ndarray:
        import torch

        with torch.no_grad():
            dev = next(self.model.parameters()).device
            out = self.model(input_ids=torch.tensor([ids], device=dev)).logits[0]
        return out.float().cpu().numpy()

    def greedy(self, ids: list[int], n: int) -> tuple[list[int], list[float]]:
        import torch

        dev = next(self.model.parameters()).device
        x = torch.tensor([ids], device=dev)
        with torch.no_grad():
            out = self.model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=n,
                                      do_sample=False, temperature=None, top_p=None, top_k=None,
                                      eos_token_id=self.eos_ids, pad_token_id=self.pad_id,
                                      output_logits=True, return_dict_in_generate=True)
        margins = [top_margin(step[0].float().cpu().numpy()) for step in out.logits]
        return out.sequences[0, len(ids):].tolist(), margins


def top_margin(logits: np.ndarray) -> float:
    top2 = np.partition(logits, -2)[-2:]
    return float(top2[1] - top2[0])


def chat_ids(tokenizer, prompt: str, system: str | None) -> list[int]:
    from swift_cli.engine.data.encode import prompt_ids

    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    return prompt_ids(tokenizer, messages)


def held_out_ids(tokenizer, max_tokens: int = 1024) -> list[int]:
    from swift_cli.resources import resource_path

    text = resource_path("corpus_en.txt").read_text(encoding="utf-8")[-HELD_OUT_CHARS:]
    return tokenizer(text, add_special_tokens=False)["input_ids"][:max_tokens]


def perplexity(runner, ids: list[int], window: int = 256) -> float:
    """exp(mean NLL) over non-overlapping windows of `ids`."""
    nll, count = 0.0, 0
    for start in range(0, len(ids) - 1, window):
        chunk = ids[start:start + window + 1]
        if len(chunk) < 2:
            break
        logits = runner.logits(chunk[:-1]).astype(np.float64)
        logits -= logits.max(-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        targets = np.asarray(chunk[1:])
        nll -= float(logp[np.arange(len(targets)), targets].sum())
        count += len(targets)
    return math.exp(nll / max(count, 1))


def fingerprint(runner, tokenizer, system: str | None, n_prompts: int, n_tokens: int, with_ppl: bool,
                n_logit_prompts: int = 4) -> Fingerprint:
    """Run the fixed prompts (and the held-out text) through `runner`."""
    prompts = [PROMPTS[i % len(PROMPTS)] for i in range(max(n_prompts, 1))]
    ids = [chat_ids(tokenizer, p, system) for p in prompts]
    logits = [runner.logits(x) for x in ids[:n_logit_prompts]]
    runs = [runner.greedy(x, n_tokens) for x in ids]
    greedy, margins = [r[0] for r in runs], [r[1] for r in runs]
    texts = [tokenizer.decode(g, skip_special_tokens=True) for g in greedy]
    ppl = perplexity(runner, held_out_ids(tokenizer)) if with_ppl else None
    return Fingerprint(ids, logits, greedy, margins, texts, ppl)


def compare(src: Fingerprint, art: Fingerprint, *, lossless: bool, logit_tol: float, min_agreement: float,
            max_ppl_ratio: float | None) -> dict:
    """Figures and verdict of an artifact against its source; `problems` lists each failed criterion."""
    problems = []
    same_tokens = src.prompt_ids == art.prompt_ids
    if not same_tokens:
        problems.append("the artifact's tokenizer encodes the fixed prompts differently from the source's")
    diffs = [float(np.abs(a - b).max()) for a, b in zip(src.logits, art.logits) if a.shape == b.shape]
    max_dlogit = max(diffs) if diffs else float("inf")
    finite = all(np.isfinite(a).all() for a in art.logits)
    if not finite:
        problems.append("the artifact produced non-finite logits")
    identical = [a == b for a, b in zip(src.greedy, art.greedy)]
    # A flip where the source's own top-2 logits were closer than the measured logit error is a tie, not a bug.
    tie_eps = 2 * max_dlogit if lossless else 0.0
    ties = 0
    tok_same = tok_all = 0
    for a, b, m in zip(src.greedy, art.greedy, src.margins):
        k = 0
        while k < min(len(a), len(b)) and a[k] == b[k]:
            k += 1
        tok_same += k
        tok_all += max(len(a), len(b), 1)
        if a != b and k < len(m) and m[k] <= tie_eps:
            ties += 1
    agreement = (sum(identical) + ties) / max(len(identical), 1)
    if lossless and max_dlogit > logit_tol:
        problems.append(f"max |Δlogit| {max_dlogit:.4g} exceeds {logit_tol:g}")
    if agreement < min_agreement:
        problems.append(f"greedy agreement {agreement:.0%} is below {min_agreement:.0%}")
    report = {"verified": not problems, "problems": problems, "prompts": len(identical),
              "max_abs_dlogit": round(max_dlogit, 6), "greedy_identical": sum(identical), "greedy_near_ties": ties,
              "greedy_agreement": round(agreement, 4), "token_agreement": round(tok_same / max(tok_all, 1), 4),
              "same_tokenization": same_tokens}
    if src.ppl is not None and art.ppl is not None:
        ratio = art.ppl / src.ppl
        report.update(ppl_source=round(src.ppl, 4), ppl_artifact=round(art.ppl, 4), ppl_ratio=round(ratio, 4))
        if max_ppl_ratio is not None and not ratio <= max_ppl_ratio:
            problems.append(f"held-out perplexity rose {ratio:.3f}x (limit {max_ppl_ratio:g}x)")
            report["verified"] = False
    mismatch = next((i for i, ok in enumerate(identical) if not ok), None)
    if mismatch is not None:
        report["first_mismatch"] = {"prompt": PROMPTS[mismatch % len(PROMPTS)], "source": src.texts[mismatch],
                                    "artifact": art.texts[mismatch]}
    return report


def summary_line(kind: str, report: dict) -> str:
    """One line a user reads after the export."""
    parts = [f"{kind}: max |Δlogit| {report['max_abs_dlogit']:.4g}",
             f"greedy identical {report['greedy_identical']}/{report['prompts']} prompts"
             + (f" (+{report['greedy_near_ties']} near-tie flips)" if report.get("greedy_near_ties") else "")]
    if "ppl_ratio" in report:
        parts.append(f"held-out ppl {report['ppl_source']:.3f} -> {report['ppl_artifact']:.3f} "
                     f"({report['ppl_ratio']:.3f}x)")
    if "size_ratio_vs_fp32" in report:
        parts.append(f"size {report['size_ratio_vs_fp32']:.3f}x of fp32")
    verdict = "verified" if report["verified"] else "NOT VERIFIED (" + "; ".join(report["problems"]) + ")"
    return ", ".join(parts) + f" — {verdict}"
