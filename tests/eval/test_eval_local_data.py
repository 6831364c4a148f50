"""Offline data: benchmark files in their ORIGINAL published layouts read through EvalScope's local_path
(GSM8K's test.jsonl/train.jsonl; C-Eval's val/<subject>_val.csv + dev/<subject>_dev.csv; MMLU's header-less
test/<subject>_test.csv + dev/<subject>_dev.csv; CMMLU's test/<subject>.csv with its ",Question,...,Answer"
header and row index), the user's own
general_qa jsonl and general_mcq csv; malformed files and unknown names stop before the model loads.

No public benchmark copy exists on this offline machine, so the files below are written here in exactly the
published layouts (field names, folder and file names, GSM8K's <<calc>> annotations and "#### N" answers)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import swift

GSM8K_ROWS = [
    ("Mia has 3 boxes with 4 pens in each box. How many pens does she have?",
     "Mia has 3 * 4 = <<3*4=12>>12 pens.\n#### 12"),
    ("A baker made 20 rolls and sold 7. How many rolls are left?",
     "20 - 7 = <<20-7=13>>13 rolls are left.\n#### 13"),
    ("Sam saves $5 a week for 6 weeks. How much has he saved?",
     "He saved 5 * 6 = $<<5*6=30>>30.\n#### 30"),
]
CEVAL_HEADER = ["id", "question", "A", "B", "C", "D", "answer", "explanation"]
CEVAL_VAL = [[0, "计算机网络中，TCP 属于哪一层？", "物理层", "传输层", "网络层", "应用层", "B", ""],
             [1, "IP 地址 127.0.0.1 通常表示什么？", "本机回环", "广播地址", "网关", "DNS 服务器", "A", ""]]

MMLU_TEST = [["Find the degree of the extension Q(sqrt(2)) over Q.", "0", "2", "4", "6", "B"],
             ["Which of these is a group under addition?", "The integers", "The odd integers", "{1, 2}", "{}",
              "A"],
             ["How many elements does the symmetric group S3 have?", "3", "4", "5", "6", "D"]]
CMMLU_HEADER = ["", "Question", "A", "B", "C", "D", "Answer"]
CMMLU_TEST = [[0, "下列哪种作物属于豆科？", "水稻", "大豆", "小麦", "玉米", "B"],
              [1, "农业生产中最基本的生产资料是？", "土地", "化肥", "农药", "农机", "A"]]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_csv(path: Path, header: list | None, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows] if header else rows)
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("eval_data")
    rows = [{"question": q, "answer": a} for q, a in GSM8K_ROWS]
    write_jsonl(root / "gsm8k" / "test.jsonl", rows)
    write_jsonl(root / "gsm8k" / "train.jsonl", rows[:2])
    write_csv(root / "ceval" / "val" / "computer_network_val.csv", CEVAL_HEADER, CEVAL_VAL)
    write_csv(root / "ceval" / "dev" / "computer_network_dev.csv", CEVAL_HEADER, CEVAL_VAL[:1])
    write_csv(root / "mmlu" / "test" / "abstract_algebra_test.csv", None, MMLU_TEST)
    write_csv(root / "mmlu" / "dev" / "abstract_algebra_dev.csv", None, MMLU_TEST[:1])
    write_csv(root / "cmmlu" / "test" / "agronomy.csv", CMMLU_HEADER, CMMLU_TEST)
    write_csv(root / "cmmlu" / "dev" / "agronomy.csv", CMMLU_HEADER, CMMLU_TEST[:1])
    write_jsonl(root / "mine" / "faq.jsonl", [{"query": "What is the project called?", "response": "yichui"},
                                              {"query": "Which CLI does it mirror?", "response": "ms-swift"}])
    write_csv(root / "mine" / "quiz.csv", ["question", "A", "B", "C", "D", "answer"],
              [["2 + 2 = ?", "3", "4", "5", "6", "B"], ["Capital of Japan?", "Tokyo", "Kyoto", "Osaka", "Nara", "A"]])
    return root


def test_original_layouts_and_user_files_score_offline(tiny_model, data, tmp_path):
    args = {name: {"local_path": str(data / name)} for name in ("gsm8k", "ceval", "mmlu", "cmmlu")}
    out = tmp_path / "out"
    proc = swift("eval", "--model", tiny_model, "--eval_dataset", "gsm8k", "ceval", "mmlu", "cmmlu",
                 data / "mine" / "faq.jsonl",
                 data / "mine" / "quiz.csv", "--eval_dataset_args", json.dumps(args),
                 "--eval_generation_config", '{"max_tokens": 8}', "--eval_output_dir", out,
                 env={"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "MODELSCOPE_OFFLINE": "1"}, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = out.iterdir()
    report = json.loads((run / "eval_report.json").read_text())["models"]["tiny"]
    assert report["gsm8k"]["subsets"] == {"main": {"score": report["gsm8k"]["score"], "n": 3}}
    assert set(report["ceval"]["subsets"]) == {"computer_network"} and report["ceval"]["n"] == 2
    assert report["general_qa"]["n"] == 2 and report["general_mcq"]["n"] == 2
    assert set(report["mmlu"]["subsets"]) == {"abstract_algebra"} and report["mmlu"]["n"] == 3
    assert set(report["cmmlu"]["subsets"]) == {"agronomy"} and report["cmmlu"]["n"] == 2
    rows = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
    gold = {r["dataset"]: sorted(str(x["gold"]) for x in rows if x["dataset"] == r["dataset"]) for r in rows}
    assert gold["gsm8k"] == ["12", "13", "30"]  # the "#### N" of the original answers
    assert gold["ceval"] == ["A", "B"] and gold["general_mcq"] == ["A", "B"]
    assert gold["mmlu"] == ["A", "B", "D"] and gold["cmmlu"] == ["A", "B"]
    assert gold["general_qa"] == ["ms-swift", "yichui"]
    gsm_prompts = [r["prompt"] for r in rows if r["dataset"] == "gsm8k"]
    assert all("Here are some examples" in p for p in gsm_prompts)  # few-shot from the local train.jsonl


def _gsm8k_n(tiny_model, folder: Path, out: Path, env: dict) -> int:
    proc = swift("eval", "--model", tiny_model, "--eval_dataset", "gsm8k", "--eval_dataset_args",
                 json.dumps({"gsm8k": {"local_path": str(folder)}}), "--eval_generation_config", '{"max_tokens": 4}',
                 "--eval_output_dir", out, env={"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                                                "MODELSCOPE_OFFLINE": "1", **env}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = out.iterdir()
    return json.loads((run / "eval_report.json").read_text())["models"]["tiny"]["gsm8k"]["n"]


def test_a_readme_that_is_no_dataset_card_and_copies_under_one_name(tiny_model, tmp_path):
    """The layout is read from the files: GSM8K's original test.jsonl beside a README.md that is a licence note
    scores as it should. Two different copies in folders of the same name, one datasets cache: each scores its own
    rows (the staged copy is keyed by content)."""
    rows = [{"question": q, "answer": a} for q, a in GSM8K_ROWS]
    env = {"HF_DATASETS_CACHE": str(tmp_path / "hf-datasets"), "HF_HOME": str(tmp_path / "hf")}
    first = tmp_path / "a" / "gsm8k"
    write_jsonl(first / "test.jsonl", rows)
    write_jsonl(first / "train.jsonl", rows[:1])
    (first / "README.md").write_text("# GSM8K\n\nReleased under the MIT licence by its authors.\n", encoding="utf-8")
    assert _gsm8k_n(tiny_model, first, tmp_path / "out1", env) == 3
    second = tmp_path / "b" / "gsm8k"
    write_jsonl(second / "test.jsonl", rows[1:])
    write_jsonl(second / "train.jsonl", rows[:1])
    assert _gsm8k_n(tiny_model, second, tmp_path / "out2", env) == 2
    write_jsonl(first / "test.jsonl", rows[:1])  # an edited copy in place is read anew
    assert _gsm8k_n(tiny_model, first, tmp_path / "out3", env) == 1


@pytest.mark.parametrize("case", ["unknown", "gsm8k_row", "mcq_answer", "qa_json", "bad_json", "no_local",
                                  "mmlu_answer"])
def test_bad_input_is_one_line_exit_2_before_loading(case, data, tmp_path):
    bad = tmp_path / "bad"
    args: list = []
    if case == "unknown":
        args, want = ["--eval_dataset", "gsm9k"], "gsm9k: unknown benchmark. Did you mean: 'gsm8k'"
    elif case == "gsm8k_row":
        path = write_jsonl(bad / "test.jsonl", [{"question": "q", "answer": "4 #### 4"}, {"question": "q2"}])
        args = ["--eval_dataset", "gsm8k", "--eval_dataset_args", json.dumps({"gsm8k": {"local_path": str(bad)}})]
        want = f"{path}:2: a GSM8K row needs"
    elif case == "mcq_answer":
        path = write_csv(bad / "quiz.csv", ["question", "A", "B", "answer"], [["q", "x", "y", "A"], ["q", "x", "y", "C"]])
        args, want = ["--eval_dataset", path], f"{path}:3: answer 'C' is not one of A, B"
    elif case == "qa_json":
        path = bad / "faq.jsonl"
        path.parent.mkdir(parents=True)
        path.write_text('{"query": "a", "response": "b"}\n{"query": \n')
        args, want = ["--eval_dataset", path], f"{path}:2: not valid JSON"
    elif case == "mmlu_answer":
        path = write_csv(bad / "test" / "anatomy_test.csv", None, [["q", "a", "b", "c", "d", "A"],
                                                                  ["q2", "a", "b", "c", "d", "E"]])
        args = ["--eval_dataset", "mmlu", "--eval_dataset_args", json.dumps({"mmlu": {"local_path": str(bad)}})]
        want = f"{path}:2: answer 'E' is not one of A, B, C, D"
    elif case == "bad_json":
        args, want = ["--eval_dataset_args", "{gsm8k"], "--eval_dataset_args: not valid JSON"
    else:
        args, want = ["--eval_dataset", "general_mcq"], "--eval_dataset general_mcq: needs your files"
    out = tmp_path / "out"
    # a model path that does not exist: reaching the model load would fail differently
    proc = swift("eval", "--model", tmp_path / "no-model", "--eval_output_dir", out, *args, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and want in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


def test_hub_benchmark_offline_is_one_line_exit_4_before_loading_simulated_offline(tmp_path):
    """A hub name with no local copy: the (simulated: a closed local port) unreachable hub is named up front with the
    local_path spelling, before the model loads or a folder is made."""
    out = tmp_path / "out"
    env = {"MODELSCOPE_ENDPOINT": "http://127.0.0.1:9", "MODELSCOPE_CACHE": str(tmp_path / "ms-cache")}
    proc = swift("eval", "--model", tmp_path / "no-model", "--eval_output_dir", out, "--eval_dataset", "gsm8k",
                 timeout=300, env=env)
    assert proc.returncode == 4, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--eval_dataset gsm8k: the hub (http://127.0.0.1:9) is unreachable" in lines[0]
    assert '"local_path"' in lines[0] and not out.exists()
