"""Peak memory per device of a training or inference run, as a breakdown of named terms. Pure.

What is predicted (shared/conventions.md): on CUDA/NPU/MPS the allocator's peak
(``max_memory_allocated``) with the runtime overhead as its own line; on CPU the process RSS above
an idle process with the same imports.

Notation: P_t trainable parameters, T = b·s tokens per device micro-batch (×2 for DPO: chosen and
rejected go through together), L layers, h hidden, i intermediate, V vocab, a activation bytes
(2 for bf16/fp16, 4 for fp32), N devices. Terms (bytes, per device)::

    weights           Σ params × bytes of their format: dtype; bnb4 NF4+double-quant 4.127 bits,
                      bnb8 8 bits + fp32 row scales, GPTQ/AWQ q bits + group-128 scales/zeros;
                      embeddings, lm_head, norms and biases stay 16-bit under quantization.
                      ÷N under ZeRO-3/FSDP.
    trainable_params  LoRA/DoRA adapters, fp32 (PEFT's autocast_adapter_dtype default).
    reference_weights DPO with full fine-tuning: a frozen second copy of the weights.
    gradients         P_t × param bytes.                                   ÷N under ZeRO-2/3/FSDP
    optimizer_states  P_t × 2 moments × state bytes: fp32 (4) with fp32 params or master weights;
                      the param dtype in pure 16-bit training (HF Trainer with --torch_dtype
                      bfloat16 → 8 bytes/param in all); 1 for 8-bit AdamW; paged states can live
                      in CPU RAM so they are listed but not counted in the device peak.  ÷N ZeRO≥1
    master_weights    P_t × 4 with mixed precision (16-bit weights+grads + fp32 master + fp32
                      moments = 16 bytes/param).                                         ÷N ZeRO≥1
    autocast_cache    16-bit copies of fp32 weights cached by autocast (AMP): P × 2.
    activations       saved-for-backward tensors, per token per layer (see _layer_bytes), × T × L;
                      with gradient checkpointing only the layer inputs (h·a per token per layer).
    backward_temp     one layer's backward working set: a·T·(3i + 3h) of activation gradients,
                      + the recomputed layer under checkpointing, + a dequantised weight (4/8-bit).
    logits            3·T·V·4: logits, their log-softmax and its gradient in fp32 for the loss
                      (the largest single activation for big vocabularies), or T·V·4 plus the
                      lm_head gradient when that is larger. With trl's fused LM head (SFTTrainer,
                      our sft/pt: log-probs in [4096 tokens × 32768 vocab] tiles, never the whole
                      logits): one tile as a 16-bit product, in fp32 and its fp32 gradient
                      (min(T,4096)·min(V,32768)·(a+8)), the fp32 gradient of the last hidden
                      states T·h·4, and with a trained lm_head its fp32 gradient V·h·4.
                      Checked on an H200 (bench/gpu_check.py, Qwen2.5 0.5B-7B shapes, 2048 tokens).
    kv_cache          inference: 2·L·b·(prompt + new tokens)·kv_heads·head_dim·a.
    optimizer_step_temp  foreach (non-fused) AdamW on CUDA: one state-sized temporary.
    comm_buffers      DDP gradient buckets (one more gradient copy); ZeRO buckets; ZeRO-3/FSDP
                      gathered parameters of two layers.
    runtime_overhead  base + frac·(allocated peak) + churn·(Σ_layers saved bytes × T): CUDA
                      context (+NCCL) and caching-allocator slack; on CPU a constant plus the
                      freed-but-resident heap glibc keeps after a step (see _DEVICE).

Peak = static + optimizer states + the largest of three moments:
    start of backward   activations + logits
    end of backward     gradients + backward_temp
    optimizer step      gradients + optimizer_step_temp
(static = weights + trainable + reference + master + autocast cache + comm buffers), + overhead.
The winning moment is ``phase``; ``peak_terms`` lists the terms live then and
``sum(terms[k] for k in peak_terms) == peak_bytes``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .spec import ModelSpec, lora_trainable_params

GIB = 1024 ** 3
DTYPE_BYTES = {"float32": 4, "fp32": 4, "bfloat16": 2, "bf16": 2, "float16": 2, "fp16": 2}
TASKS = ("sft", "pt", "dpo", "infer")
TRAIN_TYPES = ("full", "lora", "dora", "qlora")
QUANTS = ("none", "bnb4", "bnb8", "gptq", "awq")
OPTIMIZERS = ("adamw", "adamw_torch", "adamw_8bit", "paged_adamw", "paged_adamw_8bit", "sgd")

# Device-specific runtime overhead (the ``runtime_overhead`` line):
#   base   fixed bytes per process, by train type (CUDA context with lazy loading; CPU: thread
#          arenas, oneDNN caches, code pages and lazily initialised kernels),
#   multi  extra per process when several devices talk (NCCL/HCCL communicators),
#   frac   share of the allocated peak (CUDA caching-allocator slack),
#   churn  share of one step's forward activation traffic (Σ layers of the saved bytes per
#          token × tokens, with or without checkpointing) that the allocator keeps resident
#          without it being live — on CPU glibc malloc keeps freed medium-sized blocks in the
#          heap, and LoRA's many per-module temporaries fragment more than full fine-tuning.
# The CPU constants were fitted (minimax relative error) on two runs of the bench grid
# (bench/memory_accuracy.py: torch 2.13 CPU, glibc 2.36, 2 steps, fused AdamW; the same case
# varies by up to ±30 MiB between runs), after the live-tensor model had been checked against
# torch.profiler's allocation trace (within 3%); the --holdout shape was not used to fit.
# Accelerator constants are public figures (CUDA context ≈ 0.3–0.5 GiB with lazy loading).
_DEVICE = {
    "cuda": dict(base_full=GIB // 2, base_lora=GIB // 2, multi=GIB // 2, frac=0.05,
                 churn_full=0.0, churn_lora=0.0),
    "npu": dict(base_full=GIB, base_lora=GIB, multi=GIB // 2, frac=0.05,
                churn_full=0.0, churn_lora=0.0),
    "mps": dict(base_full=int(0.3 * GIB), base_lora=int(0.3 * GIB), multi=0, frac=0.05,
                churn_full=0.0, churn_lora=0.0),
    # Full fine-tuning leaves more fixed heap behind (per-parameter gradient and AdamW state
    # tensors), LoRA more per activation byte (7 modules × dropout/A/B/sum temporaries a layer).
    "cpu": dict(base_full=110 * 2 ** 20, base_lora=60 * 2 ** 20, multi=0, frac=0.0,
                churn_full=0.25, churn_lora=0.80),
}


@dataclass
class MemoryInputs:
    task: str = "sft"                      # sft | pt | dpo | infer
    train_type: str = "lora"               # full | lora | dora | qlora
    dtype: str = "bfloat16"                # float32 | bfloat16 | float16 (weights as loaded)
    quant: str = "none"                    # base weights: none | bnb4 | bnb8 | gptq | awq
    quant_bits: int = 4                    # for gptq / awq
    double_quant: bool = True              # bnb4
    lora_rank: int = 8
    lora_target_modules: str | list[str] = "all-linear"
    lora_dropout: float = 0.05
    optimizer: str = "adamw"               # adamw = HF Trainer default (fused, no temporaries)
    master_weights: bool = False           # fp32 master copy (DeepSpeed/apex-style mixed precision)
    autocast: str | None = None            # AMP compute dtype over fp32 weights ('bfloat16')
    batch_size: int = 1                    # per device micro-batch
    seq_len: int = 2048                    # tokens per sequence (training) / prompt (infer)
    padding: bool | None = None            # padded batches (attention mask); None: batch > 1
    gradient_checkpointing: bool = False
    attn_impl: str = "sdpa"                # sdpa | flash | eager
    zero_stage: int = 0                    # DeepSpeed ZeRO 0/1/2/3
    fsdp: bool = False                     # FSDP full shard (≈ ZeRO-3)
    offload: bool = False                  # ZeRO offload of optimizer states (+params at stage 3)
    num_devices: int = 1                   # data-parallel processes over which ZeRO shards
    device_kind: str = "cuda"              # cuda | npu | mps | cpu
    ref_adapter: bool = False              # DPO from an SFT adapter: reference = frozen adapter
    reference: bool = True                 # preference training with a reference model (not ORPO/CPO/SimPO)
    max_new_tokens: int = 0                # infer
    infer_backend: str = "pt"              # infer: pt | vllm | llamacpp
    fused_lm_head: bool = False            # trl's tiled log-prob LM head (SFTTrainer): no full logits


@dataclass
class Breakdown:
    terms: dict[str, int]                  # every term, in a fixed order (bytes per device)
    peak_bytes: int                        # per device, runtime overhead included
    peak_terms: tuple[str, ...]            # the terms live at the peak; they sum to peak_bytes
    phase: str                             # 'forward/backward' | 'optimizer step' | 'inference'
    params_total: int
    params_trainable: int
    notes: list[str] = field(default_factory=list)
    host_bytes: int = 0                    # placed in CPU RAM per node by ZeRO offload

    def to_dict(self) -> dict:
        return {"terms": dict(self.terms), "peak_bytes": self.peak_bytes,
                "host_bytes": self.host_bytes,
                "peak_terms": list(self.peak_terms), "phase": self.phase,
                "params_total": self.params_total, "params_trainable": self.params_trainable,
                "notes": list(self.notes)}


def _quant_bytes_per_weight(inp: MemoryInputs) -> float:
    if inp.quant == "bnb4" or inp.train_type == "qlora" and inp.quant == "none":
        # NF4: 4 bits + one fp32 absmax per 64 weights; double quant stores those as 8-bit with
        # one fp32 per 256 blocks → 0.5 + 1/64 + 4/(64·256) = 0.5159 B (4.127 bits).
        return 0.5 + (1 / 64 + 4 / (64 * 256) if inp.double_quant else 4 / 64)
    if inp.quant == "bnb8":
        return 1.0                         # + fp32 scale per output row, added per module
    if inp.quant in ("gptq", "awq"):
        q = inp.quant_bits
        return q / 8 + (2 + q / 8) / 128   # fp16 scale + packed zero per group of 128
    raise ValueError(inp.quant)


def weight_bytes(spec: ModelSpec, inp: MemoryInputs) -> int:
    """Bytes of the base model's weights in the format they are loaded in."""
    a = DTYPE_BYTES[inp.dtype]
    quantized = inp.quant != "none" or inp.train_type == "qlora"
    if not quantized:
        return spec.params_total * a
    # Quantized: the Linear weights in the decoder layers (and MoE experts); everything else
    # (embeddings, lm_head, norms, biases, routers) stays in the 16-bit compute dtype.
    compute = 2 if a == 4 else a
    lin = sum(spec.linear_counts[n] * i * o for n, (i, o) in spec.linear_modules.items())
    lin += spec.params_experts
    per = _quant_bytes_per_weight(inp)
    extra = 0
    if inp.quant == "bnb8":
        extra = sum(spec.linear_counts[n] * o * 4 for n, (_, o) in spec.linear_modules.items())
    return int(lin * per) + extra + (spec.params_total - lin) * compute


def _lora_targets(spec: ModelSpec, targets: str | Iterable[str]) -> list[tuple[int, int]]:
    """(in, out) of every targeted Linear in ONE layer (all-linear or a name list)."""
    if isinstance(targets, str):
        if targets.lower() in ("all-linear", "all_linear"):
            return list(spec.linear_modules.values())
        import re
        return [s for n, s in spec.linear_modules.items() if re.search(targets, n)]
    names = set(targets)
    return [s for n, s in spec.linear_modules.items() if n.rsplit(".", 1)[-1] in names or n in names]


def _layer_bytes(spec: ModelSpec, inp: MemoryInputs, a: int, full: bool, seq: int,
                 padded: bool) -> float:
    """Bytes saved for backward per token in one decoder layer (RMSNorm, GQA attention, gated MLP).

    Checked tensor by tensor against ``torch.autograd.graph.saved_tensors_hooks``:
    RMSNorm: x in fp32 (4h; a copy when a=2) + rsqrt, + the normalised input (a·h) when its
    weight trains. Attention: q, k, v after RoPE and the SDPA output (a·(2·q + 2·kv)), k/v
    repeated to all heads when a padding mask disables native GQA, the q/k/v input (a·h) when
    they train; eager attention adds the H·s probabilities and o_proj's input copy.
    Gated MLP: gate, act, up (3·a·i) and, when training, the down input (a·i) and gate/up input
    (a·h). LoRA adds per targeted module the dropout output (fp32 adapter dtype) and its mask
    (bool on CUDA, float32 on CPU), and the rank-r middle.
    """
    h, i, q, kv = spec.hidden_size, spec.intermediate_size, spec.num_heads * spec.head_dim, spec.kv_dim
    norm = 4 * h + 4 + (a * h if full else 0)
    kvs = q if padded else kv                # repeat_kv when a mask is passed
    # SDPA/flash return their output in (b, s, heads, d) layout, so o_proj's input is a view of
    # the saved output; eager attention makes a contiguous copy that o_proj saves when training.
    attn = a * (2 * q + 2 * kvs) + 4 * spec.num_heads + (a * h if full else 0)
    if inp.attn_impl == "eager":
        attn += spec.num_heads * seq * (4 + (a if a != 4 else 0)) + (a * q if full else 0)
    if spec.num_experts:
        k, m, sh = spec.experts_per_token, spec.moe_intermediate_size, spec.shared_expert_intermediate_size
        mlp = a * k * (3 * m + h + (m if full else 0)) + 4 * spec.num_experts
        mlp += a * (3 * sh + (sh + h if full else 0)) if sh else 0
        mlp += a * h if full else 0
    else:
        mlp = a * 3 * i + (a * (i + h) if full else 0)
    lora = 0.0
    if inp.train_type in ("lora", "dora", "qlora"):
        # Dropout keeps its output for lora_A and its mask: a bool mask from the fused CUDA/NPU
        # kernel, a float32 noise tensor from the CPU implementation (input * noise).
        mask = 4 if inp.device_kind == "cpu" else 1
        for fin, _ in _lora_targets(spec, inp.lora_target_modules):
            if inp.lora_dropout > 0:
                lora += (4 + mask) * fin
            elif a != 4:
                lora += 4 * fin              # cast to the fp32 adapter dtype
            lora += 4 * inp.lora_rank
    return 2 * norm + attn + mlp + lora


def estimate(spec: ModelSpec, inp: MemoryInputs) -> Breakdown:
    """Peak bytes per device as a :class:`Breakdown` (formulas in the module docstring)."""
    for name, val, allowed in (("task", inp.task, TASKS), ("train_type", inp.train_type, TRAIN_TYPES),
                               ("quant", inp.quant, QUANTS), ("optimizer", inp.optimizer, OPTIMIZERS),
                               ("dtype", inp.dtype, tuple(DTYPE_BYTES)),
                               ("device_kind", inp.device_kind, tuple(_DEVICE))):
        if val not in allowed:
            raise ValueError(f"{name}={val!r}: expected one of {', '.join(allowed)}")
    dev = _DEVICE[inp.device_kind]
    n = max(1, inp.num_devices)
    notes: list[str] = []
    infer = inp.task == "infer"
    full = inp.train_type == "full" and not infer
    pbytes = DTYPE_BYTES[inp.dtype]
    a = DTYPE_BYTES[inp.autocast] if inp.autocast else pbytes
    t: dict[str, float] = dict.fromkeys(
        ("weights", "trainable_params", "reference_weights", "gradients", "optimizer_states",
         "master_weights", "autocast_cache", "activations", "logits", "backward_temp",
         "kv_cache", "optimizer_step_temp", "comm_buffers", "runtime_overhead"), 0)
    shard_w = n if (inp.zero_stage >= 3 or inp.fsdp) else 1
    shard_g = n if (inp.zero_stage >= 2 or inp.fsdp) else 1
    shard_s = n if (inp.zero_stage >= 1 or inp.fsdp) else 1

    t["weights"] = weight_bytes(spec, inp) / shard_w
    if inp.offload and shard_w > 1:
        t["weights"] = 0
        notes.append("ZeRO-3 offload: parameters live in CPU RAM between uses")
    if inp.autocast and not infer:
        t["autocast_cache"] = spec.params_total * a

    if full:
        trainable = spec.params_total
    elif infer:
        trainable = 0
    else:
        trainable = lora_trainable_params(spec, inp.lora_rank, inp.lora_target_modules,
                                          dora=inp.train_type == "dora")
        t["trainable_params"] = trainable * 4 / shard_w
    if infer:
        return _infer(spec, inp, t, dev, notes)

    gbytes = pbytes if full else 4         # adapters train in fp32
    master = full and inp.master_weights and pbytes != 4
    t["gradients"] = trainable * gbytes / shard_g
    state_b = {"adamw_8bit": 1, "paged_adamw_8bit": 1, "sgd": 0}.get(
        inp.optimizer, 4 if (master or gbytes == 4) else gbytes)
    t["optimizer_states"] = trainable * 2 * state_b / shard_s
    if master:
        t["master_weights"] = trainable * 4 / shard_s
    host = 0.0
    if inp.offload:
        # ZeRO-Offload: fp32 grads, master weights and moments of every partition sit in the
        # node's RAM (one node: all N partitions), and the step runs there (DeepSpeedCPUAdam).
        host = (t["optimizer_states"] + t["master_weights"]) * shard_s + trainable * 4
        t["optimizer_states"] = t["master_weights"] = t["gradients"] = 0
        notes.append("ZeRO offload: gradients, optimizer states and master weights live in CPU RAM")
        if shard_w > 1:
            host += spec.params_total * pbytes
    paged = inp.optimizer.startswith("paged")
    if inp.optimizer == "adamw_torch" and inp.device_kind == "cuda":
        t["optimizer_step_temp"] = trainable * state_b / shard_s   # foreach sqrt(v) list
    if inp.task == "dpo" and inp.reference:
        if full:
            t["reference_weights"] = spec.params_total * pbytes / shard_w
        elif inp.ref_adapter:
            t["reference_weights"] = trainable * 4

    # ---- activations and logits -------------------------------------------------------------
    dpo = 2 if inp.task == "dpo" else 1
    b, s = inp.batch_size * dpo, inp.seq_len
    tokens = b * s
    padded = inp.padding if inp.padding is not None else inp.batch_size > 1
    per_layer = _layer_bytes(spec, inp, a, full, s, padded) * tokens
    h, i = spec.hidden_size, spec.intermediate_size
    # One layer's backward working set: gradients of its activations (grad of the MLP
    # intermediate and its two inputs, residual and attention grads), the dequantised weight
    # under 4/8-bit, and with checkpointing the recomputed layer itself.
    working = tokens * a * (3 * max(i, spec.moe_intermediate_size) + 3 * h)
    if inp.train_type == "qlora" or inp.quant != "none":
        working += max(x * y for x, y in spec.linear_modules.values()) * a
    if inp.gradient_checkpointing:
        act = spec.num_layers * tokens * h * a                # the checkpointed layer inputs
        working += per_layer
    else:
        act = spec.num_layers * per_layer
    act += tokens * (4 * h + 4 + (a * h if full else 0))      # final norm (+ lm_head input)
    if padded:
        act += b * s * s                                      # bool attention mask
    t["activations"] = act
    t["backward_temp"] = working
    lm_trainable = full                                      # (modules_to_save not modelled)
    lm_grad = spec.vocab_size * h * gbytes if lm_trainable else 0
    t["logits"] = _logits_bytes(spec, inp, tokens, a, lm_grad)

    if n > 1:
        if shard_g == 1:
            t["comm_buffers"] = trainable * gbytes          # DDP gradient buckets
        else:
            t["comm_buffers"] = 4 * h * h * a               # ZeRO reduce/allgather buckets
        if shard_w > 1:
            t["comm_buffers"] += 2 * spec.params_per_layer * pbytes   # gathered layers

    static = ("weights", "trainable_params", "reference_weights", "master_weights",
              "autocast_cache", "comm_buffers")
    states = ("optimizer_states",) if not paged else ()
    # Three moments compete for the peak: the start of backward (all saved activations and the
    # fp32 logits with their gradient), the end of backward (all gradients plus the working set
    # of the first layer), and the optimizer step (gradients plus the step's temporaries).
    phases = {"forward/backward": ("activations", "logits"),
              "end of backward": ("gradients", "backward_temp"),
              "optimizer step": ("gradients", "optimizer_step_temp")}
    phase = max(phases, key=lambda k: sum(t[x] for x in phases[k]))
    live = static + states + phases[phase]
    allocated = sum(t[k] for k in live)
    churn = spec.num_layers * per_layer * dev["churn_full" if full else "churn_lora"]
    t["runtime_overhead"] = (dev["base_full" if full else "base_lora"]
                             + (dev["multi"] if n > 1 else 0) + dev["frac"] * allocated + churn)
    if paged:
        notes.append("paged optimizer: states may page out to CPU RAM; not counted in the peak")
    if inp.device_kind == "cpu" and pbytes != 4:
        notes.append("CPU: 16-bit training runs in float32 here; estimate with dtype float32")
    terms = {k: int(v) for k, v in t.items()}
    live = live + ("runtime_overhead",)
    return Breakdown(terms, sum(terms[k] for k in live), tuple(k for k in terms if k in live),
                     phase, spec.params_total, trainable, notes, int(host))


# trl's fused LM head works in tiles of this many tokens × vocabulary entries (trl.kernels.chunked_logprob
# TOKEN_CHUNK_SIZE, trl.trainer.utils._CHUNKED_LOGPROB_CHUNK_SIZE).
FUSED_TILE_TOKENS, FUSED_TILE_VOCAB = 4096, 32768


def _logits_bytes(spec: ModelSpec, inp: MemoryInputs, tokens: int, a: int, lm_grad: int) -> int:
    """The loss's logits memory: whole fp32 logits (plain transformers loss), or one tile (trl's fused head)."""
    v, h = spec.vocab_size, spec.hidden_size
    if not inp.fused_lm_head:
        return max(3 * tokens * v * 4, tokens * v * 4 + lm_grad)
    tile = min(tokens, FUSED_TILE_TOKENS) * min(v, FUSED_TILE_VOCAB) * (a + 8)
    return tile + tokens * h * 4 + (v * h * 4 if lm_grad else 0)


def _infer(spec: ModelSpec, inp: MemoryInputs, t: dict, dev: dict, notes: list[str]) -> Breakdown:
    """Inference: weights + KV cache for batch × (prompt + new tokens) + prefill transients (llama.cpp: its own
    formula, llamacpp_memory.py)."""
    if inp.infer_backend == "llamacpp":
        from .llamacpp_memory import gguf_type, llamacpp_terms

        gtype = gguf_type(inp.dtype)
        t.update(llamacpp_terms(spec.params_total, spec.num_layers, spec.kv_dim, spec.hidden_size,
                                max(spec.intermediate_size, spec.moe_intermediate_size), spec.vocab_size,
                                inp.seq_len + inp.max_new_tokens, gtype))
        notes.append(f"llama.cpp: the model as a {gtype} GGUF, KV cache reserved for the whole context")
        live = ("weights", "kv_cache", "activations", "logits", "runtime_overhead")
        terms = {k: int(v) for k, v in t.items()}
        return Breakdown(terms, sum(terms[k] for k in live), live, "inference", spec.params_total, 0, notes)
    a = DTYPE_BYTES[inp.dtype]
    kv_a = 2 if a == 4 and inp.device_kind != "cpu" else a
    ctx = inp.seq_len + inp.max_new_tokens
    b = inp.batch_size
    t["kv_cache"] = 2 * spec.num_layers * b * ctx * spec.kv_dim * kv_a
    tokens = b * inp.seq_len                                  # prefill is the widest step
    t["activations"] = tokens * a * (2 * max(spec.intermediate_size, spec.moe_intermediate_size)
                                     + 4 * spec.hidden_size)
    if inp.attn_impl == "eager":
        t["activations"] += b * spec.num_heads * inp.seq_len * inp.seq_len * 4
    t["logits"] = b * spec.vocab_size * 4 * 2                 # last position only (+ softmax)
    live = ("weights", "kv_cache", "activations", "logits")
    allocated = sum(t[k] for k in live)
    over = dev["base_lora"] + dev["frac"] * allocated
    if inp.infer_backend == "vllm":
        over += int(1.5 * GIB)                                # CUDA graphs, non-torch memory
        notes.append("vLLM reserves --gpu_memory_utilization (default 0.9) of the card and fills "
                     "the rest with KV cache; this is the minimum it needs")
    t["runtime_overhead"] = over
    terms = {k: int(v) for k, v in t.items()}
    live = live + ("runtime_overhead",)
    return Breakdown(terms, sum(terms[k] for k in live), tuple(k for k in terms if k in live),
                     "inference", spec.params_total, 0, notes)
