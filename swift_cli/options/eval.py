"""Options of `swift eval` (ms-swift's names), declared once."""
from __future__ import annotations

from dataclasses import dataclass

from swift_cli.options.declare import opt

EVAL_BACKENDS = ("Native", "OpenCompass", "VLMEvalKit")


@dataclass(frozen=True)
class EvalArgs:
    """What is scored, how, and where the results go."""

    eval_dataset: list[str] = opt([], "EvalScope benchmark names (gsm8k, arc, ceval, cmmlu, mmlu, general_qa, "
                                  "general_mcq, ...) or the built-in offline sets yichui_math, yichui_mcq "
                                  "(default: both built-in sets)", aliases=("eval_datasets",), zh="评测数据集",
                                  wizard=True)
    eval_limit: int | None = opt(None, "Score at most N items per dataset subset", zh="每个子集条数", wizard=True)
    eval_backend: str = opt("Native", "EvalScope backend (only Native runs here)", choices=EVAL_BACKENDS)
    eval_dataset_args: str | None = opt(None, "JSON per dataset, EvalScope's dataset_args: "
                                        "'{\"gsm8k\": {\"local_path\": \"DIR\", \"few_shot_num\": 0}}'",
                                        aliases=("dataset_args",))
    eval_generation_config: str | None = opt(None, "JSON generation settings sent with every request "
                                             "(default: {\"max_tokens\": 256, \"temperature\": 0})")
    eval_output_dir: str = opt("eval_output", "Parent folder of the run folders", zh="评测输出目录")
    eval_url: str | None = opt(None, "Score this OpenAI-compatible endpoint (…/v1) instead of loading --model")
    api_key: str | None = opt(None, "API key for --eval_url (else $OPENAI_API_KEY); never logged", secret=True)
    eval_model_name: str | None = opt(None, "Model name sent to --eval_url (default: --model, else the first of its "
                                      "/v1/models)")
    eval_num_proc: int = opt(8, "Requests in flight at once (the local server batches them)")
    eval_base: bool = opt(False, "With --adapters: also score the base model (adapters off) in the same run, so "
                          "the table shows before and after")
    compare: list[str] = opt([], "Two run folders (or two eval_report.json files): per-dataset difference of the "
                             "second minus the first with a paired 95% bootstrap interval; nothing is loaded")
    seed: int = opt(42, "Seed for EvalScope and the bootstrap")


@dataclass(frozen=True)
class TrainEvalArgs:
    """Scoring checkpoints with EvalScope while training (ms-swift's names)."""

    eval_use_evalscope: bool = opt(False, "Score each saved checkpoint with swift eval (into logging.jsonl and "
                                   "tensorboard as evalscope/<dataset>)")
    eval_dataset: list[str] = opt([], "Datasets for --eval_use_evalscope (default: the built-in yichui_math, "
                                  "yichui_mcq)")
    eval_limit: int | None = opt(None, "Items per dataset subset for --eval_use_evalscope")
    eval_dataset_args: str | None = opt(None, "JSON per dataset for --eval_use_evalscope (EvalScope's dataset_args)")
    eval_generation_config: str | None = opt(None, "JSON generation settings for --eval_use_evalscope")
