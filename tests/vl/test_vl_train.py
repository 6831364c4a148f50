"""A tiny Qwen2-VL learns what the pixels say: LoRA SFT with ms-swift's defaults (vision tower and aligner frozen,
LoRA on the language model only) on drawn shapes ("What colour is the shape?", 4 colours, chance 25%) answers
held-out images well above chance while the base model does not; the same through `swift infer --images`, chat
`/image`, `swift deploy` with a base64 image_url (official openai client) and the merged export.
"""
from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, swift
from tests.vl.shapes import CHANCE

TRAIN = ["--train_type", "lora", "--modules_to_save", "lm_head", "--learning_rate", "2e-3", "--max_length", "128",
         "--per_device_train_batch_size", "8", "--gradient_checkpointing", "false", "--max_steps", "60",
         "--save_steps", "60", "--logging_steps", "10", "--report_to", "none"]


@pytest.fixture(scope="module")
def vl_run(tiny_vl_model, colour_data, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("vl_sft")
    proc = swift("sft", "--model", tiny_vl_model, "--dataset", colour_data[0], *TRAIN, "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (ckpt,) = out.glob("v*/checkpoint-60")
    return ckpt, proc.stdout


def _accuracy(result: Path) -> float:
    rows = [json.loads(line) for line in result.read_text().splitlines()]
    return sum(r["response"].strip() == r["messages"][-1]["content"] for r in rows) / len(rows)


def test_lora_learns_colours_base_does_not(vl_run, tiny_vl_model, colour_data, tmp_path):
    ckpt, stdout = vl_run
    cfg = json.loads((ckpt / "adapter_config.json").read_text())
    targets = cfg["target_modules"]  # the regex of every linear layer of the language model (the frozen defaults)
    assert "language_model" in targets and "visual" not in targets and "lm_head" not in targets
    trained, base = tmp_path / "trained.jsonl", tmp_path / "base.jsonl"
    for args, out in ((["--adapters", ckpt], trained), (["--model", tiny_vl_model], base)):
        proc = swift("infer", *args, "--val_dataset", colour_data[1], "--result_path", out, "--max_new_tokens", "4")
        assert proc.returncode == 0, proc.stderr[-2000:]
    acc, base_acc = _accuracy(trained), _accuracy(base)
    print(f"held-out colour accuracy: trained {acc:.0%}, base {base_acc:.0%}, chance {CHANCE['colour']:.0%}")
    assert acc >= 0.75 and base_acc <= 0.4
    assert re.search(r"memory: measured [\d.]+ GiB .* predicted [\d.]+ GiB", stdout)


def _test_rows(colour_data, n):
    rows = [json.loads(line) for line in colour_data[1].read_text().splitlines()[:n]]
    return [(colour_data[1].parent / r["images"][0], r["messages"][-1]["content"]) for r in rows]


def test_infer_images_flag_and_chat_image_command(vl_run, colour_data):
    ckpt, _ = vl_run
    rows = _test_rows(colour_data, 4)
    right = 0
    for image, colour in rows[:2]:
        proc = swift("infer", "--adapters", ckpt, "--images", image, "--query", "What colour is the shape?",
                     "--max_new_tokens", "4")
        assert proc.returncode == 0, proc.stderr[-2000:]
        right += proc.stdout.strip() == colour
    assert right >= 1
    # piped chat: `/image PATH` attaches the image to the next message; each question gets its own image
    script = "".join(f"/image {image}\nWhat colour is the shape?\n/clear\n" for image, _ in rows[2:])
    chat = swift("infer", "--adapters", ckpt, "--max_new_tokens", "4", input=script)
    assert chat.returncode == 0, chat.stderr[-2000:]
    answers = chat.stdout.split()
    assert len(answers) == 2 and sum(a == c for a, (_, c) in zip(answers, rows[2:])) >= 1, chat.stdout
    bad = swift("infer", "--adapters", ckpt, "--images", "nope.png", "--query", "What colour is the shape?")
    assert bad.returncode == 2 and "nope.png: no such file" in bad.stderr and "Traceback" not in bad.stderr


def test_deploy_base64_image_url(vl_run, colour_data, tmp_path):
    import openai

    ckpt, _ = vl_run
    log = tmp_path / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as fh:
        server = subprocess.Popen([sys.executable, "-m", "swift_cli", "deploy", "--adapters", f"shapes={ckpt}",
                                   "--port", "0", "--max_new_tokens", "4"], cwd=REPO, env=env, stdout=fh,
                                  stderr=subprocess.STDOUT)
    try:
        url, deadline = None, time.time() + 300
        while url is None and time.time() < deadline and server.poll() is None:
            found = re.search(r"http://127\.0\.0\.1:(\d+)/v1", log.read_text())
            url = found and found.group(0)
            time.sleep(0.3)
        assert url, log.read_text()[-3000:]
        client = openai.OpenAI(base_url=url, api_key="none", max_retries=3, timeout=300)
        right = 0
        for image, colour in _test_rows(colour_data, 6):
            data = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
            reply = client.chat.completions.create(model="shapes", temperature=0, messages=[{"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": data}},
                {"type": "text", "text": "What colour is the shape?"}]}])
            right += reply.choices[0].message.content.strip() == colour
        assert right >= 5
        with pytest.raises(openai.BadRequestError, match="unreadable"):
            client.chat.completions.create(model="shapes", messages=[{"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "text", "text": "What colour?"}]}])
    finally:
        server.terminate()
        server.wait(30)


def test_merge_lora_keeps_architecture_and_processor(vl_run, colour_data):
    ckpt, _ = vl_run
    proc = swift("export", "--adapters", ckpt, "--merge_lora", "true")
    assert proc.returncode == 0, proc.stderr[-2000:]
    merged = Path(f"{ckpt}-merged")
    config = json.loads((merged / "config.json").read_text())
    assert config["architectures"] == ["Qwen2VLForConditionalGeneration"] and "vision_config" in config
    assert json.loads((merged / "preprocessor_config.json").read_text())["processor_class"] == "Qwen2VLProcessor"
    (image, colour), = _test_rows(colour_data, 1)
    answer = swift("infer", "--model", merged, "--images", image, "--query", "What colour is the shape?",
                   "--max_new_tokens", "4")
    assert answer.returncode == 0 and answer.stdout.strip() == colour, answer.stderr[-2000:]


def test_full_checkpoint_loads_as_it_is(tiny_vl_model, colour_data, tmp_path):
    """`--train_type full --freeze_vit false`: the checkpoint carries the processor files, so infer and deploy load
    it as a model folder (it used to stop at "Can't load image processor")."""
    out = tmp_path / "full"
    proc = swift("sft", "--model", tiny_vl_model, "--dataset", f"{colour_data[0]}#16", "--train_type", "full",
                 "--freeze_vit", "false", "--max_steps", "2", "--save_steps", "2", "--max_length", "128",
                 "--report_to", "none", "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (ckpt,) = out.glob("v*/checkpoint-2")
    assert json.loads((ckpt / "preprocessor_config.json").read_text())["processor_class"] == "Qwen2VLProcessor"
    (image, _), = _test_rows(colour_data, 1)
    answer = swift("infer", "--model", ckpt, "--images", image, "--query", "What colour is the shape?",
                   "--max_new_tokens", "2")
    assert answer.returncode == 0, answer.stderr[-2000:]
    assert "Traceback" not in answer.stderr and answer.stdout.strip()


def test_lora_llm_trains_the_vision_tower_in_full_beside_lora_and_infers(tiny_vl_model, colour_data, tmp_path):
    """ms-swift's `--tuner_type lora_llm` (its examples/train/multimodal/lora_llm_full_vit): LoRA on the language
    model, the vision tower and aligner trained in full and saved with the adapter; infer loads the adapter."""
    from safetensors import safe_open

    out = tmp_path / "lora_llm"
    proc = swift("sft", "--model", tiny_vl_model, "--dataset", f"{colour_data[0]}#16", "--tuner_type", "lora_llm",
                 "--max_steps", "2", "--save_steps", "2", "--max_length", "128", "--learning_rate", "1e-3",
                 "--report_to", "none", "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (ckpt,) = out.glob("v*/checkpoint-2")
    cfg = json.loads((ckpt / "adapter_config.json").read_text())
    assert "language_model" in cfg["target_modules"] and "visual" not in cfg["target_modules"]
    with safe_open(str(ckpt / "adapter_model.safetensors"), "pt") as fh:
        names = list(fh.keys())
    assert any("visual" in n and "lora_" not in n for n in names), names[:5]  # the vision tower, in full
    (image, _), = _test_rows(colour_data, 1)
    answer = swift("infer", "--adapters", ckpt, "--images", image, "--query", "What colour is the shape?",
                   "--max_new_tokens", "2")
    assert answer.returncode == 0 and answer.stdout.strip(), answer.stderr[-2000:]


def test_bnb_export_of_a_vl_model_keeps_its_architecture(tiny_vl_model, tmp_path):
    """ms-swift's examples/export/quantize/mllm/bnb.sh on the tiny Qwen2-VL (it used to stop at "Unrecognized
    configuration class ... for AutoModelForCausalLM")."""
    out = tmp_path / "bnb"
    proc = swift("export", "--model", tiny_vl_model, "--quant_method", "bnb", "--quant_bits", "4", "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    config = json.loads((out / "config.json").read_text())
    assert config["quantization_config"]["load_in_4bit"] and "vision_config" in config
    assert config["architectures"] == json.loads((tiny_vl_model / "config.json").read_text())["architectures"]
