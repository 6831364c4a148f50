"""swift export on the tiny model + SFT adapter: merge, GGUF (f16, q8_0), Ollama, ONNX — each verified by reloading."""
from __future__ import annotations

import re

from pathlib import Path

import numpy as np

from tests.conftest import swift
from tests.export.conftest import report

PROMPTS = 20


def _greedy_answers(model_args: list[str], n: int = PROMPTS) -> list[str]:
    """Greedy answers through the `swift infer` code path (ChatModel), independent of the export's own check."""
    from swift_cli.commands.infer import InferConfig
    from swift_cli.engine.export.verify import PROMPTS as FIXED
    from swift_cli.engine.generate import ChatModel, GenParams
    from swift_cli.options.parse import parse_command

    _, cfg = parse_command(InferConfig, model_args)
    chat = ChatModel(cfg.model, use_cpu=True)
    return [chat.generate([{"role": "user", "content": p}], GenParams(max_new_tokens=12))[0] for p in FIXED[:n]]


def test_merge_writes_sharded_model_whose_greedy_answers_equal_the_adapters(merged, export_ckpt):
    folder, proc = merged
    assert folder == Path(f"{export_ckpt}-merged") and folder.is_dir()
    assert (folder / "model.safetensors.index.json").is_file() and len(list(folder.glob("model-*.safetensors"))) > 1
    for name in ("tokenizer.json", "generation_config.json", "args.json"):
        assert (folder / name).is_file(), name
    r = report(folder)
    assert r["verified"] is True and r["prompts"] == PROMPTS and r["greedy_identical"] == PROMPTS
    assert r["max_abs_dlogit"] < 1e-3
    assert "greedy identical 20/20" in proc.stdout
    # the resource monitor ran for the whole export and reports what it measured (RSS above idle, in GiB)
    (peak,) = re.findall(r"memory: measured ([0-9.]+) GiB \(peak RSS above idle\)", proc.stdout)
    assert float(peak) > 0
    # independent of the export's check: the adapter (unmerged) and the merged folder answer alike
    assert _greedy_answers(["--adapters", str(export_ckpt)]) == _greedy_answers(["--model", str(folder)])


def test_gguf_f16_reloads_with_small_logit_error_and_identical_greedy(merged, tmp_path):
    import gguf

    out = tmp_path / "gguf"
    proc = swift("export", "--model", merged[0], "--to", "gguf", "--gguf_type", "f16", "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = report(out)
    assert r["verified"] is True and r["same_tokenization"] is True
    assert r["max_abs_dlogit"] < 0.01 and r["greedy_identical"] == PROMPTS
    reader = gguf.GGUFReader(out / "model-f16.gguf")
    pre = reader.fields["tokenizer.ggml.pre"]
    assert bytes(pre.parts[pre.data[0]]).decode() == "qwen2"
    tmpl = reader.fields["tokenizer.chat_template"]
    assert "<|im_start|>" in bytes(tmpl.parts[tmpl.data[0]]).decode()
    types = {t.tensor_type.name for t in reader.tensors}
    assert types == {"F16", "F32"}
    print(f"GGUF f16: max |Δlogit| {r['max_abs_dlogit']}, greedy {r['greedy_identical']}/{r['prompts']}")


def test_gguf_q8_0_greedy_agreement_and_perplexity(export_ckpt, tmp_path):
    out = tmp_path / "q8"
    proc = swift("export", "--adapters", export_ckpt, "--to", "gguf", "--gguf_type", "q8_0", "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = report(out)
    assert r["verified"] is True and r["greedy_agreement"] >= 0.8
    assert 0.95 < r["ppl_ratio"] < 1.05 and r["size_ratio_vs_fp32"] < 0.35
    print(f"GGUF q8_0: greedy agreement {r['greedy_agreement']:.0%}, max |Δlogit| {r['max_abs_dlogit']}, "
          f"ppl x{r['ppl_ratio']}")


def test_ollama_writes_modelfile_and_prints_the_create_command(merged, tmp_path):
    out = tmp_path / "ollama"
    proc = swift("export", "--model", merged[0], "--to_ollama", "true", "--output_dir", out, "--verify_prompts", "3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = (out / "Modelfile").read_text()
    assert text.startswith("FROM ./model-f16.gguf")
    assert "{{ .Content }}<|im_end|>" in text and 'PARAMETER stop "<|im_end|>"' in text
    assert "generation" not in text
    assert f"ollama create ollama -f {out / 'Modelfile'}" in proc.stdout


def test_onnx_with_past_key_values_matches_torch(merged, tmp_path):
    import onnxruntime as ort

    out = tmp_path / "onnx"
    proc = swift("export", "--model", merged[0], "--to", "onnx", "--output_dir", out, "--verify_prompts", "8")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = report(out)
    assert r["verified"] is True and r["with_past_key_values"] is True
    assert r["max_abs_dlogit"] < 1e-3 and r["greedy_identical"] == 8
    names = [i.name for i in ort.InferenceSession(str(out / "model.onnx")).get_inputs()]
    assert names[:3] == ["input_ids", "attention_mask", "past_key_values.0.key"]
    print(f"ONNX: max |Δlogit| {r['max_abs_dlogit']}")


def test_failed_verification_leaves_the_artifact_marked_unverified(tiny_model, tmp_path):
    """A real mismatch: the 'artifact' reloads as another tiny model (other seed) than the source."""
    import pytest

    from swift_cli.engine.export import flow, verify
    from swift_cli.engine.models import load_tokenizer
    from swift_cli.engine.tiny_model import build_tiny_model
    from swift_cli.errors import VerificationFailed
    from transformers import AutoModelForCausalLM

    other = build_tiny_model(tmp_path / "other", seed=1)
    tok = load_tokenizer(tiny_model)
    src = verify.TorchRunner(AutoModelForCausalLM.from_pretrained(tiny_model), [2], 0)
    opts = flow.VerifyOptions(True, 2, 4)
    src_fp = verify.fingerprint(src, tok, None, 2, 4, with_ppl=False)
    target = tmp_path / "artifact"

    def write(tmp: Path) -> dict:
        (tmp / "weights.bin").write_bytes(b"x")
        return {}

    def reload(tmp: Path):
        return verify.TorchRunner(AutoModelForCausalLM.from_pretrained(other), [2], 0), tok

    with pytest.raises(VerificationFailed, match="verification failed"):
        flow.produce("test", target, False, write, reload, src_fp, None, opts, flow.Criteria(True, 1e-3, 1.0))
    assert (target / "UNVERIFIED.txt").is_file() and report(target)["verified"] is False
    assert not list(tmp_path.glob(".artifact.tmp-*"))
    assert np.isfinite(report(target)["max_abs_dlogit"])


def test_gguf_llama_architecture_round_trips_exactly_in_f32(tmp_path):
    """Llama q/k rows are permuted for llama.cpp; transformers' reader un-permutes them: f32 must be exact."""
    from swift_cli.engine.tiny_model import build_tiny_model

    model = build_tiny_model(tmp_path / "llama", arch="llama")
    out = tmp_path / "gguf"
    proc = swift("export", "--model", model, "--to", "gguf", "--gguf_type", "f32", "--output_dir", out,
                 "--verify_prompts", "4", "--verify_tokens", "8")
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = report(out)
    assert r["architecture"] == "llama" and r["max_abs_dlogit"] < 1e-4 and r["greedy_identical"] == 4
