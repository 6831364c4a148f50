"""Hardware probe, model spec, memory estimator and planner.

Pure modules (no torch, no I/O): machine, spec, memory, rules, plan, profiles (except loading a
JSON file), report (rich only). I/O lives in probe (the machine), doctor (checks) and loaders
(config.json). ``import hardware`` stays light: it never imports torch.
"""
from .machine import DeviceInfo, HardwareProfile
from .memory import Breakdown, MemoryInputs, estimate
from .plan import Plan, make_plan
from .profiles import list_profiles, load_profile
from .spec import ModelSpec, load_model_config, lora_trainable_params

__all__ = ["Breakdown", "DeviceInfo", "HardwareProfile", "MemoryInputs", "ModelSpec", "Plan",
           "estimate", "list_profiles", "load_model_config", "load_profile",
           "lora_trainable_params", "make_plan"]
