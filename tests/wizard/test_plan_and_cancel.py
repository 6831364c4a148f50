"""Wizard flows that must not train: a plan that does not fit (hardware profile) with the fitting plan
offered, Esc stepping back, Ctrl-C at a prompt (exit 130, nothing written), and the non-interactive guards."""
from __future__ import annotations

import time

import pytest

from tests.conftest import swift
from tests.wizard.terminal import CTRL_C, DOWN, ENTER, ESC, answer, finish, spawn


def test_lora_on_a_t4_does_not_fit_and_the_wizard_offers_qlora(tmp_path):
    out = tmp_path / "out"
    child = spawn("--task", "sft", "--dataset", "my/data", "--hardware", "t4", "--output_dir", out,
                  home=tmp_path / "home")
    answer(child, "Which model", DOWN + ENTER)                 # the curated list (planned offline from its shape)
    answer(child, "Pick a model", "qwen2.5-7b-instruct")       # type to filter
    time.sleep(1.0)
    child.send(ENTER)
    answer(child, "How to train", ENTER)                       # LoRA
    answer(child, "What now", ESC)                             # Esc: back to the method question
    answer(child, "How to train", ENTER)
    answer(child, "What now", ENTER)                           # use the plan that fits
    answer(child, "Key parameters", ENTER)
    answer(child, "Run it", DOWN * 3 + ENTER)                  # exit without running
    code, screen = finish(child)
    assert code == 0, screen[-3000:]
    assert "qwen2.5-0.5b-instruct" in screen and "fits full fine-tuning" in screen  # sizes and fit in the list
    assert "Tesla T4" in screen                                # the one-screen hardware summary of the profile
    assert "does NOT fit" in screen and "Use the plan that fits: qlora" in screen
    assert "A machine where your choice fits: LoRA → 1×" in screen   # hardware.recommend
    command = next(line for line in screen.splitlines() if line.startswith("swift sft "))
    assert command.startswith("swift sft --model Qwen/Qwen2.5-7B-Instruct ")
    assert "--quant_bits 4" in command and "--quant_method bnb" in command and "--torch_dtype float16" in command
    assert not out.exists()


@pytest.mark.parametrize("keys", [["", CTRL_C], [DOWN * 2 + ENTER, CTRL_C]], ids=["at-model-menu", "at-text-prompt"])
def test_ctrl_c_at_a_prompt_exits_130_and_writes_nothing(tmp_path, keys):
    out, home = tmp_path / "out", tmp_path / "home"
    child = spawn("--output_dir", out, home=home)
    answer(child, "What would you like to do", DOWN * 2 + ENTER)
    answer(child, "Which model", keys[0])
    if keys[0]:
        answer(child, "Folder with config.json", "half-typed")
    child.send(keys[1])
    code, screen = finish(child)
    assert code == 130, screen[-2000:]
    assert "cancelled" in screen and "Traceback" not in screen
    assert not out.exists() and not (home / "models").exists()


def test_language_follows_the_locale_and_esc_at_the_main_menu_exits(tmp_path):
    child = spawn(home=tmp_path / "home", lang=None, locale="zh_CN.UTF-8")
    answer(child, "想做什么", DOWN * 2 + ENTER)                  # 微调
    answer(child, "选择模型", ESC)                               # back to the main menu
    answer(child, "想做什么", ESC)                               # Esc at the main menu: leave
    code, screen = finish(child)
    assert code == 0 and "再见" in screen and "本机硬件" in screen


def test_a_local_dataset_file_is_checked_on_the_spot_with_line_numbers(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n'
                   '{"messages": [{"role": "user", "content": "only a question"}]}\nnot json\n', encoding="utf-8")
    child = spawn("--task", "sft", "--model", "Qwen/Qwen2.5-0.5B-Instruct", "--output_dir", tmp_path / "out",
                  home=tmp_path / "home")
    answer(child, "Which dataset", DOWN + ENTER)               # a local file
    answer(child, "Dataset file", f"{bad}{ENTER}")
    answer(child, "has bad rows", "")
    answer(child, "Which dataset", CTRL_C)                     # back at the picker; leave
    code, screen = finish(child)
    assert code == 130
    assert "bad.jsonl:2" in screen and "bad.jsonl:3" in screen and "bad.jsonl:1" not in screen


def test_without_a_terminal_the_wizard_says_so():
    proc = swift("wizard", input="")
    assert proc.returncode == 2 and "needs a terminal" in proc.stderr and "Traceback" not in proc.stderr


def test_auto_refuses_tasks_it_cannot_run_unattended():
    proc = swift("wizard", "--auto", "--task", "deploy", "--hardware", "cpu")
    assert proc.returncode == 2 and "--auto runs sft, dpo or infer" in proc.stderr
