"""What a non-training job needs in memory, for the job core's admission (jobs/admission.py). Pure: no I/O.

- serving (`swift infer`, `eval`, `deploy`, `app`): the planner's inference estimate, weights + KV cache +
  prefill transients (plan.make_plan with task "infer"; `swift eval` serves the model it scores, so eval = infer);
- `swift export`: loading the base and writing a merged / converted / quantized copy holds the weights twice
  (the merged tensors are built beside the loaded ones, and the GGUF converter and the quantizers read one full copy
  while writing the other), so ≈ 2 × weights + the process's runtime overhead.

Either way the answer is a :class:`hardware.plan.Plan` (peak_bytes, free_bytes, fits, why_not), so admission treats
it like a training plan: start beside running jobs when the sum fits, queue with the reason when not."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from .machine import GIB, HardwareProfile
from .memory import DTYPE_BYTES
from .plan import Plan, make_plan
from .spec import ModelSpec

SERVING = ("infer", "eval", "deploy", "app")
# The export process's own memory beside the two copies (torch/transformers code, arenas, safetensors buffers):
# an assumed round figure, not fitted like hardware/memory.py's constants.
EXPORT_OVERHEAD = 300 * 2 ** 20


def _gib(x: float) -> str:
    return f"{x / GIB:.2f} GiB"


def export_plan(spec: ModelSpec, profile: HardwareProfile, dtype: str = "float32") -> Plan:
    """`swift export` (merge LoRA, GGUF, quantize): two copies of the weights at `dtype` (the base's own dtype,
    which the merge keeps) + runtime overhead."""
    weights = spec.params_total * DTYPE_BYTES.get(str(dtype).lower(), 4)
    terms = {"weights": weights, "written_copy": weights, "runtime_overhead": EXPORT_OVERHEAD}
    peak = sum(terms.values())
    free = profile.ram_free_bytes
    fits = peak <= free
    why = None if fits else (f"export holds the weights twice ({_gib(peak)} with overhead), "
                             f"{_gib(free)} free on {profile.name}")
    return Plan(task="export", train_type=None, params_total=spec.params_total, params_trainable=0,
                peak_bytes=peak, breakdown=terms, peak_terms=list(terms), phase="export", free_bytes=free,
                fits=fits, flags={}, notes=["export: 2 × weights (loaded + written copy) + runtime overhead"],
                hardware=profile.name, device_kind="cpu", num_devices=1, why_not=why)


def job_plan(spec: ModelSpec, profile: HardwareProfile, command: str, wishes: dict[str, Any] | None = None,
             dtype: str = "float32") -> Plan | None:
    """The memory plan of a non-training `swift command` job, or None for a command this module does not model."""
    w = dict(wishes or {})
    if command in SERVING:
        plan = make_plan(spec, profile, {**w, "task": "infer"}, nearest=False)
        if not plan.fits and not plan.why_not:
            plan = replace(plan, why_not=f"serving the model needs {_gib(plan.peak_bytes)} (weights + KV cache), "
                                         f"{_gib(plan.free_bytes)} free on {profile.name}")
        return plan
    if command == "export":
        return export_plan(spec, profile, dtype)
    return None
