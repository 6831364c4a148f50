"""Post-training quantization: hqq, optimum-quanto, torchao, bitsandbytes on CPU; gptq (gptqmodel) and awq
(autoawq) on CUDA. Each output folder reloads through one documented path (see `load_quantized`)."""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

from swift_cli.engine.export import compat, flow, source
from swift_cli.engine.export.verify import TorchRunner
from swift_cli.engine.quantized import MARKER, is_quantized_dir, load_quantized  # noqa: F401 - re-exported
from swift_cli.errors import RequirementError

CUDA_EXTRA = {"gptq": ("gptqmodel", "gptq"), "awq": ("awq", "awq")}
BITS = {"hqq": (4, 8), "quanto": (4, 8), "torchao": (4, 8), "bnb": (4, 8), "gptq": (4, 8), "awq": (4,)}


def default_target(src: source.Source, method: str, bits: int) -> Path:
    return Path(f"{src.stem}-{method}-int{bits}")


def check_options(q) -> list[str]:
    """Problems with --quant_method/--quant_bits/--group_size/--dataset (pure)."""
    problems = []
    if q.quant_bits is None:
        problems.append(f"--quant_bits is required with --quant_method {q.quant_method} "
                        f"({' or '.join(map(str, BITS[q.quant_method]))})")
    elif q.quant_bits not in BITS[q.quant_method]:
        problems.append(f"--quant_bits {q.quant_bits}: {q.quant_method} takes {' or '.join(map(str, BITS[q.quant_method]))}")
    if q.group_size < 1 and q.group_size != -1:
        problems.append(f"--group_size must be positive (or -1 for per-channel), got {q.group_size}")
    if q.quant_method in CUDA_EXTRA and not q.dataset:
        problems.append(f"--quant_method {q.quant_method} needs calibration data: --dataset FILE or a built-in name")
    if q.quant_n_samples < 1:
        problems.append(f"--quant_n_samples must be at least 1, got {q.quant_n_samples}")
    return problems


def require_cuda(method: str) -> None:
    """gptq/awq need a CUDA GPU and their library; raise one RequirementError line naming both."""
    import importlib.util

    import torch

    module, extra = CUDA_EXTRA[method]
    missing = []
    if not torch.cuda.is_available():
        missing.append("a CUDA GPU (none found)")
    if importlib.util.find_spec(module) is None:
        missing.append(f"the {module} package (pip install 'yichui[{extra}]')")
    if missing:
        raise RequirementError(f"--quant_method {method} needs {' and '.join(missing)}; on CPU use "
                               "--quant_method hqq|quanto|torchao|bnb")


def _group(q, cols_hint: int) -> int:
    return cols_hint if q.group_size == -1 else q.group_size


# --- per-method save -------------------------------------------------------------------------------
def _save_hqq(model, tmp: Path, q) -> None:
    import torch
    from hqq.core.quantize import BaseQuantizeConfig
    from hqq.models.hf.base import AutoHQQHFModel

    cfg = BaseQuantizeConfig(nbits=q.quant_bits, group_size=_group(q, 64))
    AutoHQQHFModel.quantize_model(model, quant_config=cfg, compute_dtype=torch.float32, device="cpu")
    AutoHQQHFModel.save_quantized(model, str(tmp))


def _save_quanto(model, tmp: Path, q) -> None:
    from optimum.quanto import QuantizedModelForCausalLM, qint4, qint8

    # lm_head stays float, as in optimum-quanto's own examples (it is the most sensitive layer)
    qmodel = QuantizedModelForCausalLM.quantize(model, weights=qint4 if q.quant_bits == 4 else qint8,
                                                exclude="lm_head")
    qmodel.save_pretrained(str(tmp))


def _quant_config(q):
    import torch
    from transformers import BitsAndBytesConfig, TorchAoConfig

    if q.quant_method == "torchao":
        from torchao.quantization import Int8WeightOnlyConfig, IntxWeightOnlyConfig
        from torchao.quantization.granularity import PerAxis, PerGroup

        if q.quant_bits == 8:
            return TorchAoConfig(Int8WeightOnlyConfig())
        gran = PerAxis(0) if q.group_size == -1 else PerGroup(q.group_size)
        return TorchAoConfig(IntxWeightOnlyConfig(weight_dtype=torch.int4, granularity=gran))
    if q.quant_bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=q.bnb_4bit_quant_type,
                              bnb_4bit_use_double_quant=q.bnb_4bit_use_double_quant,
                              bnb_4bit_compute_dtype=torch.float32)


def _save_transformers(model_dir: Path, tmp: Path, q) -> None:
    """torchao / bnb: transformers quantizes while loading, and saves with the quantization_config."""
    import torch

    from swift_cli.engine.vl.processor import model_class

    model = model_class(Path(model_dir)).from_pretrained(model_dir, quantization_config=_quant_config(q),
                                                         dtype=torch.float32, device_map={"": "cpu"})
    model.save_pretrained(tmp, safe_serialization=q.quant_method != "torchao")


# --- reload ----------------------------------------------------------------------------------------
# --- the command -----------------------------------------------------------------------------------
def run_quantize(src: source.Source, target: Path, out, q, opts: flow.VerifyOptions, model_args) -> dict:
    """Quantize, save with tokenizer and a marker, reload, compare logits/greedy/perplexity and size."""
    if q.quant_method in CUDA_EXTRA:
        require_cuda(q.quant_method)
    # bnb int8 on CPU warns on every matmul that it casts to fp16: once is in verification.json's figures
    warnings.filterwarnings("ignore", message=".*MatMul8bitLt.*")
    tokenizer = source.load_tokenizer(src)
    with flow.step("loading the source model" + (" and merging its adapters" if src.adapters else "")):
        model = source.load_model(src, merge=True)
    eos = source.eos_ids(tokenizer, model)
    n_params = source.param_count(model)
    src_fp = flow.source_fingerprint(TorchRunner(model, eos, tokenizer.pad_token_id), tokenizer, src.system, opts,
                                     with_ppl=True)
    scratch = None
    model_dir = src.model_dir
    if q.quant_method in ("torchao", "bnb", "gptq", "awq") and src.adapters:
        # these quantize while loading from a folder: give them the merged weights in one
        scratch = Path(tempfile.mkdtemp(prefix=".merged-scratch-", dir=Path(target).absolute().parent))
        model.save_pretrained(scratch)
        tokenizer.save_pretrained(scratch)
        model_dir = scratch

    def write(tmp: Path) -> dict:
        if q.quant_method == "hqq":
            _save_hqq(model, tmp, q)
        elif q.quant_method == "quanto":
            _save_quanto(model, tmp, q)
        elif q.quant_method in ("torchao", "bnb"):
            _save_transformers(model_dir, tmp, q)
        else:
            _save_cuda(model_dir, tmp, q, tokenizer, src)
        tokenizer.save_pretrained(tmp)
        if (model_dir / "generation_config.json").is_file() and not (tmp / "generation_config.json").exists():
            shutil.copy(model_dir / "generation_config.json", tmp / "generation_config.json")
        meta = {"method": q.quant_method, "bits": q.quant_bits, "group_size": q.group_size,
                "source": str(src.model_dir), "adapters": {k: str(v) for k, v in src.adapters.items()}}
        (tmp / MARKER).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return {"quant_method": q.quant_method, "quant_bits": q.quant_bits, "source_params": n_params,
                "compat": compat.compat_record(q.quant_method)}

    def reload(tmp: Path):
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(tmp)
        return TorchRunner(load_quantized(tmp), eos, tok.pad_token_id), tok

    try:
        report = flow.produce(f"{q.quant_method} int{q.quant_bits}", target, out.exist_ok, write, reload, src_fp,
                              src.system, opts, flow.lossy_criteria(q.quant_bits))
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    print(compat.compat_line(q.quant_method))
    print(f"try it: swift infer --model {target} --query \"who are you?\"")
    sys.stdout.flush()
    return report


def _save_cuda(model_dir: Path, tmp: Path, q, tokenizer, src) -> None:
    """gptq through gptqmodel, awq through autoawq, calibrated on --dataset rendered with the chat template."""
    texts = calibration_texts(q, tokenizer, src.system)
    if q.quant_method == "gptq":
        from gptqmodel import GPTQModel, QuantizeConfig

        model = GPTQModel.load(str(model_dir), QuantizeConfig(bits=q.quant_bits, group_size=q.group_size))
        model.quantize(texts, batch_size=1)
        model.save(str(tmp))
    else:
        from awq import AutoAWQForCausalLM

        model = AutoAWQForCausalLM.from_pretrained(str(model_dir))
        model.quantize(tokenizer, quant_config={"zero_point": True, "q_group_size": q.group_size,
                                                "w_bit": q.quant_bits, "version": "GEMM"}, calib_data=texts)
        model.save_quantized(str(tmp))


def calibration_texts(q, tokenizer, system: str | None) -> list[str]:
    """--dataset rows rendered as chat text, --quant_n_samples of them, each cut to --quant_seqlen tokens."""
    from swift_cli.engine.data.formats import to_messages
    from swift_cli.engine.data.sources import DEFAULT_AUTHORS, DEFAULT_NAMES, load_rows

    rows = []
    for spec in q.dataset:
        rows.extend(load_rows(spec, model_name=list(DEFAULT_NAMES), model_author=list(DEFAULT_AUTHORS), seed=42))
    texts = []
    for row in rows[: q.quant_n_samples]:
        msgs = to_messages(row)
        if system and msgs[0]["role"] != "system":
            msgs = [{"role": "system", "content": system}] + msgs
        text = tokenizer.apply_chat_template(msgs, tokenize=False)
        ids = tokenizer(text, add_special_tokens=False)["input_ids"][: q.quant_seqlen]
        texts.append(tokenizer.decode(ids))
    return texts
