"""`swift validate-dataset FILE`: every bad row with its line and reason; exit 2 if any, 0 if none."""
from __future__ import annotations

import json
from pathlib import Path

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_bad_row_is_listed_with_line_and_reason(tmp_path, run_swift):
    data = _write(tmp_path / "mixed.jsonl", [
        json.dumps(GOOD),                                                                        # 1 good
        json.dumps({"messages": [{"role": "user", "text": "hi"},
                                 {"role": "assistant", "content": "yo"}]}),                      # 2 text
        "",                                                                                      # 3 blank
        json.dumps({"text": "raw text only"}),                                                   # 4 pt row
        "{not json",                                                                             # 5 bad json
        json.dumps({"query": "q", "response": ""}),                                              # 6 empty
        json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"},
                                 {"role": "user", "content": "dangling"}]}),                     # 7 last user
        json.dumps({"instruction": "q", "output": "a"}),                                         # 8 good
    ])
    proc = run_swift("validate-dataset", data)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    report = proc.stdout + proc.stderr
    expected = {2: ["'content'", "'text'"], 4: ["swift pt"], 5: ["not valid JSON"], 6: ["empty"],
                7: ["last turn", "'user'"]}
    for line_no, words in expected.items():
        lines = [line for line in report.splitlines() if f"{data}:{line_no}:" in line]
        assert len(lines) == 1, f"line {line_no} should be reported once:\n{report}"
        for word in words:
            assert word in lines[0], f"{word!r} missing from {lines[0]!r}"
    for line_no in (1, 3, 8):
        assert f"{data}:{line_no}:" not in report, f"good line {line_no} reported:\n{report}"
    assert "2 good rows" in proc.stdout
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and "5 bad row" in last


def test_all_good_rows_exit_0(tmp_path, run_swift):
    rows = [GOOD, {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
            {"query": "q", "response": "a", "history": [["q0", "a0"]]}, {"prompt": "q", "completion": "a"}]
    data = _write(tmp_path / "good.jsonl", [json.dumps(r) for r in rows])
    proc = run_swift("validate-dataset", data)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 good rows" in proc.stdout and "ok" in proc.stdout
    assert "error" not in proc.stderr


def test_several_files_and_pt_task(tmp_path, run_swift):
    text = _write(tmp_path / "corpus.txt", ["first line of text", "", "second line"])
    pt_rows = _write(tmp_path / "pt.jsonl", [json.dumps({"text": "doc"}), json.dumps({"text": "  "})])
    proc = run_swift("validate-dataset", text, pt_rows, "--task", "pt")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{text}: 2 good rows, ok" in proc.stdout
    bad = [line for line in proc.stdout.splitlines() if f"{pt_rows}:2:" in line]
    assert bad and "empty" in bad[0]
    assert f"{pt_rows}:1:" not in proc.stdout


def test_missing_file_and_no_file(tmp_path, run_swift):
    proc = run_swift("validate-dataset", tmp_path / "nope.jsonl")
    assert proc.returncode == 2
    assert "nope.jsonl" in proc.stderr.strip().splitlines()[-1]
    proc = run_swift("validate-dataset")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error:")


def test_builtin_preference_set_is_valid_for_dpo(run_swift):
    # validate-dataset offers --task dpo|kto; the built-in preference set (prompt/chosen/rejected) is the
    # reference DPO data and must pass.
    proc = run_swift("validate-dataset", "tiny-preferences", "--task", "dpo")
    assert proc.returncode == 0, (
        "`swift validate-dataset tiny-preferences --task dpo` reports the built-in preference rows as bad "
        f"(preference rows parsed as sft rows?):\n{proc.stdout[-600:]}{proc.stderr[-300:]}")
    assert "tiny-preferences: 96 good rows, ok" in proc.stdout, proc.stdout[-300:]
