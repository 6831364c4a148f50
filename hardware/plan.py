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
from typing import Any

from .machine import HardwareProfile
from .memory import MemoryInputs
from .nearest import nearest_change
from .plan_infer import plan_infer
from .plan_train import (
    TrainSpace,
    batch_options,
    deepspeed_wish,
    first_fit,
    fit_notes,
    most_frugal,
    optim_kind,
    train_flags,
    train_types,
)
from .plan_types import HEADROOM, Plan, fits_in, gib_text
from .rules import normalize_wishes, refuse_flash, training_dtype
from .spec import ModelSpec

__all__ = ["HEADROOM", "Plan", "make_plan", "fits_in", "READS", "REFERENCE_FREE"]

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
# Trainers that score through trl's fused LM head (log-probs in tiles, never the whole logits; trl >= 1.16).
FUSED_LM_HEAD = ("sft", "pt", "dpo", "kto", "grpo")


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


def _task(w: dict, notes: list[str]) -> tuple[str, bool, bool]:
    """(the memory model's task: sft | pt | dpo | infer, whether a reference model is loaded, whether the trainer
    scores through trl's fused LM head: SFT, DPO, KTO and GRPO do; trl's experimental ORPO and CPO (SimPO) hold
    the whole logits)."""
    task = str(w.get("task", "sft")).lower()
    if task in ("rlhf", "dpo") and w.get("rlhf_type"):
        task = str(w["rlhf_type"]).lower()
    reference = task not in REFERENCE_FREE
    fused = task in FUSED_LM_HEAD
    if task not in ("sft", "pt", "dpo", "infer"):
        notes.append(f"--rlhf_type {task}: memory modelled like dpo (chosen + rejected per step"
                     + (", no reference model)" if not reference else ")"))
        task = "dpo"
    return task, reference, fused


def _devices(profile: HardwareProfile, w: dict, notes: list[str]) -> int:
    n_dev = profile.device_count if profile.accelerator in ("cuda", "npu") else 1
    n = int(w.get("nproc_per_node", n_dev))
    if n > n_dev:
        notes.append(f"NPROC_PER_NODE={n} but {profile.name} has {n_dev} device(s); using {n_dev}")
        n = n_dev
    return n


def _attention(profile: HardwareProfile, w: dict, notes: list[str]) -> str:
    attn = str(w.get("attn_impl", "sdpa")).lower()
    if attn in ("flash_attn", "flash_attention_2", "flash"):
        why = refuse_flash(profile, profile.source == "probe")
        attn = "sdpa" if why else "flash"
        if why:
            notes.append(why)
    return attn


def make_plan(spec: ModelSpec, profile: HardwareProfile, wishes: dict[str, Any] | None = None,
              data_stats: dict[str, Any] | None = None, nearest: bool = True) -> Plan:
    """The plan; `nearest=False` skips the search for the nearest change when it does not fit."""
    w = normalize_wishes(wishes)
    notes: list[str] = []
    kind = profile.accelerator
    task, reference, fused = _task(w, notes)
    n = _devices(profile, w, notes)
    free = profile.device_free_bytes
    seq, est_seq = _seq_len(spec, w, data_stats, notes)
    attn = _attention(profile, w, notes)
    if task == "infer":
        return plan_infer(spec, profile, w, seq, attn, notes)

    dtype, why = training_dtype(profile, w.get("torch_dtype"))
    if why:
        notes.append(why)
    w, base_q, fixed_tt, candidates = train_types(spec, profile, w, notes)
    ds_wish, ds_fixed = deepspeed_wish(profile, w, wishes, notes)
    gc_opts = [bool(w["gradient_checkpointing"])] if "gradient_checkpointing" in w else [False, True]
    target, b_opts = batch_options(w, n)
    base = MemoryInputs(task=task, dtype=dtype, seq_len=est_seq, attn_impl=attn, device_kind=kind,
                        num_devices=n, lora_rank=int(w.get("lora_rank", 8)),
                        lora_target_modules=w.get("target_modules", "all-linear"),
                        lora_dropout=float(w.get("lora_dropout", 0.05)),
                        optimizer=optim_kind(w.get("optim")), quant=base_q or "none",
                        quant_bits=spec.quant_bits or int(w.get("quant_bits", 4) or 4),
                        padding=False if w.get("padding_free") or w.get("packing") else None,
                        fused_lm_head=fused,
                        fsdp=bool(w.get("fsdp")), reference=reference,
                        # DPO from an SFT adapter: the reference is a frozen copy of it.
                        ref_adapter=task == "dpo" and bool(w.get("adapters") or w.get("ref_adapters")))
    space = TrainSpace(w, task, kind, n, seq, dtype, base, ds_wish, ds_fixed)

    chosen = first_fit(spec, profile, space, candidates, gc_opts, b_opts)
    fits = chosen is not None
    why_not, change = None, None
    if fits and chosen[4].host_bytes:
        notes.append(f"offload keeps {gib_text(chosen[4].host_bytes)} in CPU RAM "
                     f"({gib_text(profile.ram_free_bytes)} free)")
    if not fits:   # keep the most frugal combination and say what it takes
        search = (lambda: nearest_change(make_plan, spec, profile, w, data_stats)) if nearest else None
        chosen, why_not, change = most_frugal(spec, profile, space, candidates, gc_opts, b_opts, search, notes)
    tt, ds, gc, b, br = chosen
    acc_fixed = w.get("gradient_accumulation_steps")
    acc = int(acc_fixed) if acc_fixed else max(1, math.ceil(target / (b * n)))
    if not acc_fixed and b * acc * n != target:
        notes.append(f"global batch {b * acc * n} (nearest to {target} with batch {b} × {n} devices)")
    if fits:
        fit_notes(profile, w, chosen, fixed_tt, notes)
    notes.extend(br.notes)
    flags = train_flags(w, tt, dtype, b, acc, seq, gc, ds, n, attn, task, base_q)
    if space.padding_free(b) and "padding_free" not in w:
        flags["padding_free"] = True
        notes.append(f"padding_free true: a batch of {b} x {seq} tokens laid end to end stays short (no compute on "
                     f"padding)")
    return Plan(task=task, train_type=tt, params_total=br.params_total,
                params_trainable=br.params_trainable, peak_bytes=br.peak_bytes,
                breakdown=dict(br.terms), peak_terms=list(br.peak_terms), phase=br.phase,
                free_bytes=free, fits=fits, flags=flags, notes=[x for x in notes if x],
                hardware=profile.name, device_kind=kind, num_devices=n,
                why_not=None if fits else why_not, nearest_change=None if fits else change)
