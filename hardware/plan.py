"""The planner: from a model spec, a machine and the user's wishes, a consistent config that fits.

Pure (no torch, no I/O). ``make_plan(spec, profile, wishes, data_stats)`` → :class:`Plan`.

Search order (first fit wins; anything the user fixed is a single candidate and is never
changed to make it fit — a fixed choice that does not fit is kept, ``fits`` is False and a note
says by how much and what would fit):

    train_type   full → lora → qlora          (qlora only where bitsandbytes trains: CUDA)
    deepspeed    none → zero2 → zero3 → zero3_offload   (several devices; full FT also tries
                 zero2_offload on one device; never on MPS/CPU)
    grad. ckpt   off → on                     (off is faster; on when needed to fit)
    batch        largest power of two ≤ target global batch / devices that fits;
                 gradient_accumulation_steps = ceil(global / (batch × devices))

Combinations that cannot run are refused with one line and replaced by the nearest valid one
(vLLM only with CUDA, DeepSpeed not on MPS/CPU, GPTQ/AWQ only on CUDA, bitsandbytes only where
it has a backend, FlashAttention only on Ampere+). QLoRA means 4-bit NF4 with double
quantization and bf16 compute (fp16 without bf16); a GPTQ/AWQ base means LoRA on that base and
no bitsandbytes.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .llamacpp_memory import GGUF_ARCHS
from .machine import GIB, HardwareProfile
from .memory import Breakdown, MemoryInputs, estimate
from .nearest import nearest_change
from .profiles import cheapest_fit
from .rules import (
    bnb_supported,
    bnb_trains,
    deepspeed_trains,
    normalize_wishes,
    padding_free_by_default,
    refuse_deepspeed,
    refuse_flash,
    refuse_qlora,
    refuse_quant,
    refuse_vllm,
    training_dtype,
)
from .spec import ModelSpec

DEFAULT_GLOBAL_BATCH = 16          # ms-swift: accumulation = 16 / (batch × world size)
DEFAULT_MAX_LENGTH = 2048
# Every wish make_plan reads (after rules.normalize_wishes); swift_cli.engine.planning sends the ones that are
# command options, and a test keeps the two lists in step.
READS = ("task", "rlhf_type", "nproc_per_node", "max_length", "attn_impl", "torch_dtype", "train_type", "use_dora",
         "quant_bits", "quant_method", "deepspeed", "fsdp", "gradient_checkpointing", "global_batch_size",
         "per_device_train_batch_size", "gradient_accumulation_steps", "lora_rank", "lora_alpha", "lora_dropout",
         "target_modules", "optim", "padding_free", "packing", "adapters", "ref_adapters", "bnb_4bit_quant_type",
         "bnb_4bit_use_double_quant", "infer_backend", "gpu_memory_utilization", "max_batch_size", "max_new_tokens")
# Preference algorithms without a reference model (trl's ORPO and CPO trainers; SimPO is CPO's loss).
REFERENCE_FREE = ("orpo", "cpo", "simpo")


@dataclass
class Plan:
    task: str
    train_type: str | None             # full | lora | dora | qlora (None for infer)
    params_total: int
    params_trainable: int
    peak_bytes: int                    # per device, runtime overhead included
    breakdown: dict[str, int]          # term → bytes per device (memory.Breakdown.terms)
    peak_terms: list[str]              # terms live at the peak (they sum to peak_bytes)
    phase: str
    free_bytes: int                    # per device
    fits: bool
    flags: dict[str, Any]              # ms-swift-style flag names → values
    notes: list[str] = field(default_factory=list)
    hardware: str = ""
    device_kind: str = "cpu"
    num_devices: int = 1
    # When it does not fit: why (one line), and the smallest change to what the user set that would fit on
    # this hardware ({"flags": {flag: value}, "flags_text": "--flag value", "peak_bytes": n}), or None.
    why_not: str | None = None
    nearest_change: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _gib(x: float) -> str:
    return f"{x / GIB:.1f} GiB"


def _seq_len(spec: ModelSpec, w: dict, stats: dict | None, notes: list[str]) -> tuple[int, int]:
    """(--max_length, tokens per row the estimate uses). Batches are padded to their longest row, so with
    data statistics a row is min(max_length, longest row) tokens; packing fills every row to max_length."""
    limit = spec.max_position_embeddings
    longest = None
    if stats:
        longest = next((stats[k] for k in ("max_len", "max_tokens", "max_length", "p99_len",
                                           "p99") if stats.get(k)), None)
    if "max_length" in w:
        seq = int(w["max_length"])
        if longest and longest > seq:
            notes.append(f"longest sample is {longest} tokens > --max_length {seq}: "
                         f"longer rows get truncated")
        if longest and longest < seq and not w.get("packing"):
            notes.append(f"estimate at the longest row ({longest} tokens; batches pad to it, not to "
                         f"--max_length {seq})")
            return seq, int(longest)
        return seq, seq
    if longest:
        seq = int(math.ceil(longest / 64) * 64)
        if limit and seq > limit:
            seq = limit
        notes.append(f"max_length {seq}: from the data (longest sample {longest} tokens)")
        return seq, seq
    seq = min(DEFAULT_MAX_LENGTH, limit or DEFAULT_MAX_LENGTH)
    notes.append(f"max_length {seq}: planner's choice (--max_length not set, no dataset statistics)")
    return seq, seq


HEADROOM = 0.95                    # automatic choices keep 5% free for fragmentation


def _fits(br: Breakdown, free: int, profile: HardwareProfile | None = None,
          margin: float = 1.0) -> bool:
    """Peak within free device memory, and offloaded state within the node's free RAM."""
    host_ok = profile is None or not br.host_bytes or br.host_bytes <= profile.ram_free_bytes
    return br.peak_bytes <= free * margin and host_ok


def make_plan(spec: ModelSpec, profile: HardwareProfile, wishes: dict[str, Any] | None = None,
              data_stats: dict[str, Any] | None = None, nearest: bool = True) -> Plan:
    """The plan; `nearest=False` skips the search for the nearest change when it does not fit."""
    w = normalize_wishes(wishes)
    notes: list[str] = []
    kind = profile.accelerator
    task = str(w.get("task", "sft")).lower()
    if task in ("rlhf", "dpo") and w.get("rlhf_type"):
        task = str(w["rlhf_type"]).lower()
    reference = task not in REFERENCE_FREE
    if task not in ("sft", "pt", "dpo", "infer"):
        notes.append(f"--rlhf_type {task}: memory modelled like dpo (chosen + rejected per step"
                     + (", no reference model)" if not reference else ")"))
        task = "dpo"
    n_dev = profile.device_count if kind in ("cuda", "npu") else 1
    n = int(w.get("nproc_per_node", n_dev))
    if n > n_dev:
        notes.append(f"NPROC_PER_NODE={n} but {profile.name} has {n_dev} device(s); using {n_dev}")
        n = n_dev
    free = profile.device_free_bytes
    seq, est_seq = _seq_len(spec, w, data_stats, notes)
    attn = str(w.get("attn_impl", "sdpa")).lower()
    if attn in ("flash_attn", "flash_attention_2", "flash"):
        why = refuse_flash(profile, profile.source == "probe")
        attn = "sdpa" if why else "flash"
        if why:
            notes.append(why)
    if task == "infer":
        return _plan_infer(spec, profile, w, seq, attn, notes)

    dtype, why = training_dtype(profile, w.get("torch_dtype"))
    if why:
        notes.append(why)
    base_q = spec.quant_method if spec.quant_method in ("gptq", "awq") else None
    if spec.quant_method == "bnb":          # a pre-quantized bitsandbytes checkpoint: QLoRA only
        why = refuse_quant(profile, "bnb")
        if why:
            notes.append(why)
        if w.get("train_type") == "full":
            notes.append("refused --train_type full: the base is a bitsandbytes checkpoint; "
                         "using LoRA on it (QLoRA)")
        w = {**w, "train_type": "qlora", "quant_bits": spec.quant_bits or 4}
    elif spec.quant_method and not base_q:
        notes.append(f"base quantized with {spec.quant_method}: planned as a 16-bit base (not modelled)")
    fixed_tt = w.get("train_type")
    if fixed_tt in ("lora", "full") and w.get("use_dora"):
        fixed_tt = "dora"
    if fixed_tt == "lora" and int(w.get("quant_bits", 0) or 0) in (4, 8) and not base_q \
            and w.get("quant_method", "bnb") == "bnb":
        fixed_tt = "qlora"             # ms-swift spells QLoRA as lora + --quant_bits 4
    if fixed_tt and fixed_tt not in ("full", "lora", "dora", "qlora"):
        notes.append(f"--train_type {fixed_tt}: not modelled; planning as lora")
        fixed_tt = "lora"
    if base_q:
        why = refuse_quant(profile, base_q)
        if why:
            notes.append(why)
        if fixed_tt in ("full", "qlora"):
            notes.append(f"refused --train_type {fixed_tt}: the base is {base_q.upper()} "
                         f"{spec.quant_bits}-bit; using LoRA on the quantized base (no bitsandbytes)")
        candidates = ["lora"] if fixed_tt != "dora" else ["dora"]
    elif fixed_tt == "qlora" and not bnb_trains(kind):
        notes.append(refuse_qlora(profile))
        candidates = ["lora"]
    elif fixed_tt:
        candidates = [fixed_tt]
    else:
        candidates = ["full", "lora"] + (["qlora"] if bnb_trains(kind) else [])

    ds_wish = w.get("deepspeed")
    if ds_wish:
        why = refuse_deepspeed(profile, ds_wish)
        if why:
            notes.append(why)
            ds_wish = None
            ds_fixed = True
        else:
            ds_fixed = True
    else:
        ds_fixed = "deepspeed" in (wishes or {}) or "fsdp" in w
    gc_opts = [bool(w["gradient_checkpointing"])] if "gradient_checkpointing" in w else [False, True]

    # Global batch: fixed per-device batch and accumulation give it; else target or ms-swift's 16.
    b_fixed = w.get("per_device_train_batch_size")
    acc_fixed = w.get("gradient_accumulation_steps")
    target = w.get("global_batch_size") or (b_fixed * acc_fixed * n if b_fixed and acc_fixed
                                            else DEFAULT_GLOBAL_BATCH)
    if b_fixed:
        b_opts = [int(b_fixed)]
    else:
        top = max(1, target // n)
        b_opts = [2 ** k for k in range(int(math.log2(top)), -1, -1)]

    base = MemoryInputs(task=task, dtype=dtype, seq_len=est_seq, attn_impl=attn, device_kind=kind,
                        num_devices=n, lora_rank=int(w.get("lora_rank", 8)),
                        lora_target_modules=w.get("target_modules", "all-linear"),
                        lora_dropout=float(w.get("lora_dropout", 0.05)),
                        optimizer=_optim(w.get("optim")), quant=base_q or "none",
                        quant_bits=spec.quant_bits or int(w.get("quant_bits", 4) or 4),
                        padding=False if w.get("padding_free") or w.get("packing") else None,
                        fused_lm_head=task in ("sft", "pt"),   # trl's SFTTrainer scores in tiles
                        fsdp=bool(w.get("fsdp")), reference=reference,
                        # DPO from an SFT adapter: the reference is a frozen copy of it.
                        ref_adapter=task == "dpo" and bool(w.get("adapters") or w.get("ref_adapters")))

    def padding_free(b: int) -> bool:
        """The run's --padding_free: the user's value, else on for short flattened sft batches."""
        if "padding_free" in w:
            return bool(w["padding_free"])
        return task == "sft" and padding_free_by_default(b, seq, bool(w.get("packing")))

    def ds_options(tt: str) -> list[str | None]:
        if ds_fixed or not deepspeed_trains(kind):
            return [ds_wish]
        if n > 1:
            return [None, "zero2", "zero3", "zero3_offload"] if tt != "qlora" else [None, "zero2"]
        return [None, "zero2_offload"] if tt == "full" else [None]

    def inputs(tt: str, ds: str | None, gc: bool, b: int) -> MemoryInputs:
        zero = int(ds[4]) if ds else 0
        quant = base.quant
        if tt == "qlora":
            quant = "bnb4" if int(w.get("quant_bits", 4) or 4) == 4 else "bnb8"
        padding = False if padding_free(b) else base.padding
        return replace(base, train_type=tt, gradient_checkpointing=gc, batch_size=b, padding=padding,
                       zero_stage=zero, offload=bool(ds and "offload" in ds), quant=quant,
                       master_weights=bool(ds) and tt == "full" and dtype != "float32")

    chosen = None
    for tt in candidates:
        for ds in ds_options(tt):
            for gc in gc_opts:
                for b in b_opts:
                    br = estimate(spec, inputs(tt, ds, gc, b))
                    # A candidate the user fixed completely only has to fit; our own picks
                    # keep headroom.
                    margin = 1.0 if len(candidates) == len(b_opts) == len(gc_opts) == 1 else HEADROOM
                    if _fits(br, free, profile, margin):
                        chosen = (tt, ds, gc, b, br)
                        break
                if chosen:
                    break
            if chosen:
                break
        if chosen:
            break
    fits = chosen is not None
    why_not, change = None, None
    if fits and chosen[4].host_bytes:
        notes.append(f"offload keeps {_gib(chosen[4].host_bytes)} in CPU RAM "
                     f"({_gib(profile.ram_free_bytes)} free)")
    if not fits:   # keep the most frugal combination and say what it takes
        tt, ds = candidates[-1], ds_options(candidates[-1])[-1]
        gc, b = gc_opts[-1], b_opts[-1]
        br = estimate(spec, inputs(tt, ds, gc, b))
        chosen = (tt, ds, gc, b, br)
        fixed = [k for k in ("train_type", "per_device_train_batch_size", "gradient_checkpointing",
                             "deepspeed", "max_length") if k in w]
        why_not = (f"does not fit: needs {_gib(br.peak_bytes)} per device, {_gib(free)} free on "
                   f"{profile.name}" + (f" (kept your {', '.join('--' + k for k in fixed)})" if fixed else ""))
        notes.append(why_not)
        change = nearest_change(make_plan, spec, profile, w, data_stats) if nearest else None
        if change:
            notes.append(f"nearest change that fits on {profile.name}: {change['flags_text']} "
                         f"({_gib(change['peak_bytes'])} per device)")
        if br.host_bytes > profile.ram_free_bytes:
            notes.append(f"offload needs {_gib(br.host_bytes)} of CPU RAM, "
                         f"{_gib(profile.ram_free_bytes)} free")
        alt = cheapest_fit(spec, inputs(tt, ds, gc, b), HEADROOM)
        if alt:
            notes.append(f"nearest that fits with these flags: --hardware {alt}")
        else:
            notes.append("no single-node built-in profile fits these flags"
                         + ("; try --train_type lora or qlora" if tt == "full" else
                            "; shorten --max_length or use several nodes"))
    tt, ds, gc, b, br = chosen
    acc = int(acc_fixed) if acc_fixed else max(1, math.ceil(target / (b * n)))
    if not acc_fixed and b * acc * n != target:
        notes.append(f"global batch {b * acc * n} (nearest to {target} with batch {b} × {n} devices)")
    if fits and "gradient_checkpointing" not in w:
        notes.append("gradient_checkpointing " + ("true: needed to fit" if gc else
                                                  "false: fits without it (faster)"))
    if fits and not fixed_tt and tt != "full":
        notes.append(f"train_type {tt}: full fine-tuning does not fit on {profile.name}")
    if fits and br.peak_bytes > 0.95 * free:
        notes.append(f"tight: {_gib(br.peak_bytes)} of {_gib(free)}; fragmentation may still OOM")
    notes.extend(br.notes)
    flags = _flags(w, tt, dtype, b, acc, seq, gc, ds, n, attn, task, base_q)
    if padding_free(b) and "padding_free" not in w:
        flags["padding_free"] = True
        notes.append(f"padding_free true: a batch of {b} x {seq} tokens laid end to end stays short (no compute on "
                     f"padding)")
    return Plan(task=task, train_type=tt, params_total=br.params_total,
                params_trainable=br.params_trainable, peak_bytes=br.peak_bytes,
                breakdown=dict(br.terms), peak_terms=list(br.peak_terms), phase=br.phase,
                free_bytes=free, fits=fits, flags=flags, notes=[x for x in notes if x],
                hardware=profile.name, device_kind=kind, num_devices=n,
                why_not=None if fits else why_not, nearest_change=None if fits else change)


def _optim(name: Any) -> str:
    o = str(name or "adamw").lower()
    return {"adamw_torch_fused": "adamw", "adamw_torch": "adamw_torch", "adamw_bnb_8bit": "adamw_8bit",
            "adamw_8bit": "adamw_8bit", "paged_adamw_32bit": "paged_adamw",
            "paged_adamw": "paged_adamw", "paged_adamw_8bit": "paged_adamw_8bit",
            "sgd": "sgd"}.get(o, "adamw")


def _flags(w: dict, tt: str, dtype: str, b: int, acc: int, seq: int, gc: bool, ds: str | None,
           n: int, attn: str, task: str, base_q: str | None) -> dict[str, Any]:
    f: dict[str, Any] = {"train_type": "full" if tt == "full" else "lora", "torch_dtype": dtype,
                         "per_device_train_batch_size": b, "gradient_accumulation_steps": acc,
                         "max_length": seq, "gradient_checkpointing": gc}
    if task == "dpo" and w.get("rlhf_type"):
        f["rlhf_type"] = w["rlhf_type"]       # the user's algorithm, never swapped for dpo
    if tt != "full":
        f["lora_rank"] = int(w.get("lora_rank", 8))
        f["lora_alpha"] = int(w.get("lora_alpha", 32))
        tm = w.get("target_modules", "all-linear")
        f["target_modules"] = " ".join(tm) if isinstance(tm, (list, tuple)) else tm
    if tt == "dora" and w.get("train_type") == "dora":
        f["train_type"] = "dora"                 # the user's spelling, kept
    elif tt == "dora":
        f["use_dora"] = True
    if tt == "qlora":
        bits = int(w.get("quant_bits", 4) or 4)
        if w.get("train_type") == "qlora":
            f["train_type"] = "qlora"            # the user's spelling; training reads it as 4-bit bnb
            if "quant_bits" in w:
                f["quant_bits"] = bits
        else:
            f.update(quant_method="bnb", quant_bits=bits)
        if bits == 4:
            f.update(bnb_4bit_quant_type=w.get("bnb_4bit_quant_type", "nf4"),
                     bnb_4bit_use_double_quant=bool(w.get("bnb_4bit_use_double_quant", True)),
                     bnb_4bit_compute_dtype=dtype if dtype != "float32" else "float32")
    if ds:
        f["deepspeed"] = ds
    if w.get("fsdp"):
        f["fsdp"] = w["fsdp"]
    if attn != "sdpa" or "attn_impl" in w:
        f["attn_impl"] = "flash_attn" if attn == "flash" else attn
    if w.get("optim"):
        f["optim"] = w["optim"]
    if n > 1:
        f["nproc_per_node"] = n
    return f


def _plan_infer(spec: ModelSpec, profile: HardwareProfile, w: dict, seq: int, attn: str,
                notes: list[str]) -> Plan:
    kind = profile.accelerator
    backend = str(w.get("infer_backend", "pt")).lower()
    if backend == "vllm":
        why = refuse_vllm(profile)
        if why:
            notes.append(why)
            backend = "pt"
        elif profile.source == "probe" and not profile.engines.get("vllm"):
            notes.append("vllm is not installed here: pip install 'yichui[vllm]'")
    if "infer_backend" not in w and kind == "cpu" and profile.engines.get("llama-cpp-python") \
            and spec.model_type in GGUF_ARCHS and not spec.quant_method:
        backend = "llamacpp"
        notes.append("llama.cpp serves here (no accelerator; the model is converted to GGUF once); "
                     "--infer_backend pt keeps transformers")
    dtype = "float32" if kind == "cpu" else ("bfloat16" if profile.bf16 else "float16")
    if w.get("torch_dtype") not in (None, "auto") and kind != "cpu":
        dtype = w["torch_dtype"]
    if backend == "llamacpp":  # q8_0 GGUF unless float32 is asked (f32): see llamacpp_memory.gguf_type
        dtype = "float32" if w.get("torch_dtype") in ("float32", "fp32") else "bfloat16"
    b = int(w.get("max_batch_size", w.get("per_device_train_batch_size", 1)))
    new = int(w.get("max_new_tokens", 512))
    free = profile.device_free_bytes
    if backend == "vllm":
        free = int(profile.device_total_bytes * float(w.get("gpu_memory_utilization", 0.9)))
    quant = {4: "bnb4", 8: "bnb8"}.get(int(w.get("quant_bits", 0) or 0), "none")
    if spec.quant_method in ("gptq", "awq"):
        quant = spec.quant_method
    opts = [quant] if ("quant_bits" in w or quant != "none" or not bnb_supported(kind) or backend == "llamacpp") \
        else ["none", "bnb8", "bnb4"]
    br = None
    for q in opts:
        inp = MemoryInputs(task="infer", train_type="lora", dtype=dtype, quant=q,
                           quant_bits=spec.quant_bits or 4, batch_size=b, seq_len=seq,
                           max_new_tokens=new, attn_impl=attn, device_kind=kind,
                           infer_backend=backend)
        br = estimate(spec, inp)
        if _fits(br, free):
            quant = q
            break
    fits = br.peak_bytes <= free
    if not fits:
        notes.append(f"does not fit: needs {_gib(br.peak_bytes)}, {_gib(free)} available on "
                     f"{profile.name}")
    elif quant.startswith("bnb") and "quant_bits" not in w:
        notes.append(f"quant_bits {quant[-1]}: the {dtype} weights do not fit on {profile.name}")
    notes.extend(br.notes)
    gguf_auto = backend == "llamacpp" and dtype != "float32"  # the q8_0 GGUF: --torch_dtype left to its default
    flags: dict[str, Any] = {"infer_backend": backend, "torch_dtype": "auto" if gguf_auto else dtype,
                             "max_new_tokens": new, "max_batch_size": b}
    if quant.startswith("bnb"):
        flags.update(quant_method="bnb", quant_bits=int(quant[-1]))
    if backend == "vllm":
        flags.update(max_model_len=seq + new,
                     gpu_memory_utilization=float(w.get("gpu_memory_utilization", 0.9)))
    return Plan(task="infer", train_type=None, params_total=spec.params_total,
                params_trainable=0, peak_bytes=br.peak_bytes, breakdown=dict(br.terms),
                peak_terms=list(br.peak_terms), phase=br.phase, free_bytes=free, fits=fits,
                flags=flags, notes=notes, hardware=profile.name, device_kind=kind, num_devices=1)
