"""The built-in offline sets, registered as EvalScope benchmarks so EvalScope loads, prompts and scores them.

yichui_math reuses EvalScope's GSM8K adapter (its answer extraction and numeric accuracy) on our arithmetic
word problems; yichui_mcq reuses its general_mcq adapter. Only the metadata is ours: names, subsets (en, zh),
the packaged data folder and, for yichui_math, a prompt asking for the "#### N" line the data is written in.
"""
from __future__ import annotations

from pathlib import Path

MATH, MCQ = "yichui_math", "yichui_mcq"
BUILTIN = (MATH, MCQ)
DATA_DIR = Path(__file__).resolve().parents[2] / "resources" / "eval"
# The prompt of yichui_math; training rows for the task use the same text (see train_rows).
MATH_PROMPT = "{question}\nShow the calculation, then give the final number on its own line as '#### N'."

_registered = False


def register() -> None:
    """Register both sets with EvalScope's benchmark registry (once per process)."""
    global _registered
    if _registered:
        return
    from evalscope.api.benchmark import BenchmarkMeta
    from evalscope.api.registry import register_benchmark
    from evalscope.benchmarks.general_mcq.general_mcq_adapter import GeneralMCQAdapter
    from evalscope.benchmarks.gsm8k.gsm8k_adapter import GSM8KAdapter
    from evalscope.constants import Tags

    @register_benchmark(BenchmarkMeta(
        name=MATH, pretty_name="yichui-math", dataset_id=str(DATA_DIR / MATH), tags=[Tags.MATH, Tags.CUSTOM],
        description="Arithmetic word problems (en, zh) written by the yichui project; GSM8K layout and scoring.",
        subset_list=["en", "zh"], few_shot_num=0, train_split="train", eval_split="test",
        metric_list=[{"acc": {"numeric": True}}], prompt_template=MATH_PROMPT))
    class YichuiMathAdapter(GSM8KAdapter):
        def load_from_disk(self, **kwargs):
            # Our files are {subset}_{split}.jsonl, EvalScope's local-file layout (GSM8K itself reads hub layouts).
            return super().load_from_disk(use_local_loader=True)

    @register_benchmark(BenchmarkMeta(
        name=MCQ, pretty_name="yichui-mcq", dataset_id=str(DATA_DIR / MCQ), supports_choice=True,
        tags=[Tags.MULTIPLE_CHOICE, Tags.CUSTOM],
        description="General-knowledge multiple choice (en, zh) written by the yichui project; general_mcq scoring.",
        subset_list=["en", "zh"], few_shot_num=0, train_split="dev", eval_split="val", metric_list=["acc"],
        prompt_template=_mcq_template()))
    class YichuiMCQAdapter(GeneralMCQAdapter):
        pass

    _registered = True


def _mcq_template() -> str:
    from evalscope.utils.multi_choices import MultipleChoiceTemplate

    return MultipleChoiceTemplate.CHINESE_SINGLE_ANSWER_TEMPLATE


def train_rows(lang: str) -> list[dict]:
    """The training split of yichui_math as chat rows for `swift sft` (same prompt as the benchmark)."""
    import json

    rows = []
    path = DATA_DIR / MATH / f"{lang}_train.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        rows.append({"messages": [{"role": "user", "content": MATH_PROMPT.format(question=r["question"])},
                                  {"role": "assistant", "content": r["answer"]}]})
    return rows
