"""Well-known SFT, preference and pre-training datasets by hub id, with the column mapping each needs
to become one of our row formats (instruction/input/output, query/response, messages, conversations,
prompt/chosen/rejected, prompt/completion/label, text). Pure data; the hub fetch is in engine/."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset: hub ids, task, and how its columns map onto our formats."""

    key: str                          # what users type: --dataset alpaca-zh#500
    ms_id: str | None                 # ModelScope id
    hf_id: str | None                 # Hugging Face id
    task: str                         # sft | preference | kto | pt
    rows: str                         # approximate size, for the table
    license: str
    columns: dict[str, str] = field(default_factory=dict)   # source column -> our column
    files: tuple[str, ...] = ()       # globs of the data files to read (default: every data file but test/eval)
    note: str = ""
    query: str = ""                   # image-text sets without a question column: the user turn to ask (ms-swift's)

    def hub_id(self, use_hf: bool) -> str:
        """The id on the chosen hub (the other hub's id when this one has no copy)."""
        return (self.hf_id or self.ms_id) if use_hf else (self.ms_id or self.hf_id)  # type: ignore[return-value]

    @property
    def format(self) -> str:
        """The format the mapped rows are in, for the table."""
        target = set(self.columns.values()) | (set() if self.columns else {"(as is)"})
        return ", ".join(sorted(target))


DATASETS: tuple[DatasetEntry, ...] = (
    # --- SFT ---
    DatasetEntry("alpaca-zh", "AI-ModelScope/alpaca-gpt4-data-zh", "llm-wizard/alpaca-gpt4-data-zh", "sft", "49k",
                 "cc-by-4.0", note="instruction/input/output"),
    DatasetEntry("alpaca-en", "AI-ModelScope/alpaca-gpt4-data-en", "vicgalle/alpaca-gpt4", "sft", "52k",
                 "cc-by-4.0", note="instruction/input/output"),
    DatasetEntry("alpaca-cleaned", "AI-ModelScope/alpaca-cleaned", "yahma/alpaca-cleaned", "sft", "52k",
                 "cc-by-4.0", note="instruction/input/output"),
    DatasetEntry("code-alpaca", "AI-ModelScope/CodeAlpaca-20k", "sahil2801/CodeAlpaca-20k", "sft", "20k",
                 "cc-by-4.0", note="instruction/input/output"),
    DatasetEntry("dolly-15k", "AI-ModelScope/databricks-dolly-15k", "databricks/databricks-dolly-15k", "sft", "15k",
                 "cc-by-sa-3.0", {"instruction": "instruction", "context": "input", "response": "output"}),
    DatasetEntry("belle-2m-zh", "AI-ModelScope/train_2M_CN", "BelleGroup/train_2M_CN", "sft", "2M", "gpl-3.0",
                 note="instruction/input/output"),
    DatasetEntry("firefly-zh", "AI-ModelScope/firefly-train-1.1M", "YeungNLP/firefly-train-1.1M", "sft", "1.1M",
                 "unknown", {"input": "query", "target": "response"}),
    DatasetEntry("coig-cqia", "AI-ModelScope/COIG-CQIA", "m-a-p/COIG-CQIA", "sft", "45k", "cc-by-nc-sa-4.0",
                 note="instruction/input/output"),
    DatasetEntry("sharegpt-gpt4", "AI-ModelScope/sharegpt_gpt4", "shibing624/sharegpt_gpt4", "sft", "103k",
                 "cc-by-4.0", note="conversations (from/value)"),
    DatasetEntry("openhermes-2.5", "AI-ModelScope/OpenHermes-2.5", "teknium/OpenHermes-2.5", "sft", "1M",
                 "unknown", note="conversations (from/value)"),
    DatasetEntry("slimorca", "AI-ModelScope/SlimOrca", "Open-Orca/SlimOrca", "sft", "518k", "mit",
                 note="conversations (from/value)"),
    DatasetEntry("ultrachat-200k", "AI-ModelScope/ultrachat_200k", "HuggingFaceH4/ultrachat_200k", "sft", "208k",
                 "mit", files=("data/train_sft-*",), note="messages"),
    DatasetEntry("no-robots", "AI-ModelScope/no_robots", "HuggingFaceH4/no_robots", "sft", "10k", "cc-by-nc-4.0",
                 files=("data/train-*",), note="messages"),
    DatasetEntry("metamathqa", "AI-ModelScope/MetaMathQA", "meta-math/MetaMathQA", "sft", "395k", "mit",
                 note="query/response"),
    DatasetEntry("gsm8k", "modelscope/gsm8k", "openai/gsm8k", "sft", "7.5k", "mit",
                 {"question": "query", "answer": "response"}, files=("main/train-*",)),
    # --- preference (dpo/orpo/cpo/simpo) and kto ---
    DatasetEntry("ultrafeedback-binarized", "AI-ModelScope/ultrafeedback-binarized-preferences-cleaned",
                 "argilla/ultrafeedback-binarized-preferences-cleaned", "preference", "61k", "mit",
                 note="prompt/chosen/rejected (messages)"),
    DatasetEntry("orca-dpo-pairs", "AI-ModelScope/orca_dpo_pairs", "Intel/orca_dpo_pairs", "preference", "13k",
                 "apache-2.0", {"question": "prompt", "chosen": "chosen", "rejected": "rejected"}),
    DatasetEntry("dpo-en-zh-20k", "llamafactory/DPO-En-Zh-20k", "hiyouga/DPO-En-Zh-20k", "preference", "20k",
                 "apache-2.0", {"question": "prompt", "chosen": "chosen", "rejected": "rejected"}),
    DatasetEntry("hh-rlhf-helpful", "AI-ModelScope/hh-rlhf", "Anthropic/hh-rlhf", "preference", "44k", "mit",
                 files=("helpful-base/train*",), note="chosen/rejected transcripts (Human:/Assistant:)"),
    DatasetEntry("kto-mix-14k", None, "trl-lib/kto-mix-14k", "kto", "14k", "mit",
                 note="prompt/completion/label"),
    # --- image-text (vl): the image column becomes `images` (parquet image structs carry their bytes) ---
    DatasetEntry("coco-caption", "modelscope/coco_2014_caption", None, "vl", "414k",
                 "cc-by-4.0", {"image": "images", "caption": "response"},
                 note="image + caption", query="<image>Describe the image in one sentence."),
    DatasetEntry("latex-ocr", "AI-ModelScope/LaTeX_OCR", "linxy/LaTeX_OCR", "vl", "94k", "apache-2.0",
                 {"image": "images", "text": "response"}, note="formula image + LaTeX",
                 query="<image>Using LaTeX to perform OCR on the image."),
    # --- pre-training text ---
    DatasetEntry("tinystories", "AI-ModelScope/TinyStories", "roneneldan/TinyStories", "pt", "2.1M", "cdla-sharing-1.0",
                 files=("*train*",), note="text"),
    DatasetEntry("wikipedia-zh", "AI-ModelScope/wikipedia-cn-20230720-filtered",
                 "pleisto/wikipedia-cn-20230720-filtered", "pt", "254k", "cc-by-sa-3.0", {"completion": "text"}),
)


# Short names users type (`.finetune qwen-7b-lora wiki_zh`): alias → registry key.
DATASET_ALIASES = {"wiki_zh": "wikipedia-zh", "wiki-zh": "wikipedia-zh", "alpaca_zh": "alpaca-zh",
                   "alpaca_en": "alpaca-en"}


def find_dataset(name: str) -> DatasetEntry | None:
    """The entry whose key, ModelScope id, HF id or alias equals `name` (case-insensitive; `#N` not included)."""
    low = DATASET_ALIASES.get(name.lower(), name.lower())
    for entry in DATASETS:
        if low in (entry.key, (entry.ms_id or "").lower(), (entry.hf_id or "").lower()):
            return entry
    return None


def map_row(entry: DatasetEntry, row: dict) -> dict:
    """A hub row with its columns renamed to ours (unmapped columns are kept; Anthropic transcripts split)."""
    if entry.key == "hh-rlhf-helpful" and isinstance(row.get("chosen"), str):
        return _hh_row(row)
    if not entry.columns or not isinstance(row, dict):
        return row
    out = {k: v for k, v in row.items() if k not in entry.columns}
    for src, dst in entry.columns.items():
        if src in row:
            out[dst] = [row[src]] if dst == "images" and not isinstance(row[src], list) else row[src]
    if entry.query and "query" not in out:
        out["query"] = entry.query
    return out


def _hh_turns(text: str) -> list[dict]:
    turns = []
    for part in text.split("\n\nHuman: ")[1:] if "\n\nHuman: " in text else []:
        human, _, assistant = part.partition("\n\nAssistant: ")
        turns.append({"role": "user", "content": human.strip()})
        if _:
            turns.append({"role": "assistant", "content": assistant.strip()})
    return turns


def _hh_row(row: dict) -> dict:
    """hh-rlhf stores whole transcripts; the shared prefix is the prompt, the last answers differ."""
    chosen, rejected = _hh_turns(row["chosen"]), _hh_turns(row["rejected"])
    if not chosen or not rejected or chosen[-1]["role"] != "assistant" or rejected[-1]["role"] != "assistant":
        return row
    return {"prompt": chosen[:-1], "chosen": chosen[-1]["content"], "rejected": rejected[-1]["content"]}
