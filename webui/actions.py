"""What a finished run offers: evaluate before/after, export (merge LoRA, GGUF, quantize), deploy — each a `swift ...` job
linked to the run (jobs/links.py), its argv rendered by the one renderer from option values (never a shell string).
Results are read back from the jobs' folders: eval_report.json (score and n per model and dataset)."""
from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

BUILTIN_SETS = ("yichui_math", "yichui_mcq")
ACTIONS = ("eval", "merge", "gguf", "quantize", "deploy")
# What `swift export` quantizes on this CPU machine (swift_cli/options/export.py): --quant_method with --quant_bits
# 4 or 8 (ms-swift's gptq/awq need CUDA), and --gguf_type for the GGUF file.
QUANT_BITS = (4, 8)


class ActionError(ValueError):
    """The action cannot start for this run (one line saying why)."""


def run_target(store, job) -> dict[str, Any]:
    """{model, checkpoint, lora} of a finished training run; ActionError when it has no complete checkpoint."""
    from swift_cli.engine.runs import last_checkpoint
    from webui.views import argv_options

    if job.command not in ("sft", "pt", "dpo", "rlhf"):
        raise ActionError(f"job {job.id} is `swift {job.command}`, not a training run")
    if job.status != "done":
        raise ActionError(f"job {job.id} is {job.status}: actions start from a finished run")
    ckpt = None
    for rd in reversed(store.run_dirs(job)):
        if ckpt := last_checkpoint(rd, complete=True):
            break
    if ckpt is None:
        raise ActionError(f"job {job.id}: no complete checkpoint in its run folder")
    opts = argv_options(job.argv)
    lora = opts.get("train_type", "lora") not in ("full",) and (ckpt / "adapter_config.json").is_file()
    return {"model": opts.get("model", ""), "checkpoint": str(ckpt), "lora": lora}


def _int(body: dict, key: str, default: int | None, lo: int, hi: int) -> int | None:
    value = body.get(key, default)
    if value in (None, ""):
        return default
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ActionError(f"--{key}: {value!r} is not a whole number") from None
    if not lo <= n <= hi:
        raise ActionError(f"--{key}: {n} is outside {lo}..{hi}")
    return n


def eval_plans(target: dict, body: dict) -> list[tuple[str, dict[str, Any]]]:
    """[(role, eval option values)]: one job scoring base and adapter together (--eval_base) for LoRA, else one
    job per model; both with the same built-in sets and limit."""
    sets = [s for s in body.get("eval_dataset") or BUILTIN_SETS]
    bad = [s for s in sets if s not in BUILTIN_SETS]
    if bad:
        raise ActionError(f"--eval_dataset {bad[0]}: the run page scores the built-in sets ({', '.join(BUILTIN_SETS)})")
    common: dict[str, Any] = {"eval_dataset": sets, "eval_limit": _int(body, "eval_limit", 20, 1, 10_000)}
    tokens = _int(body, "max_tokens", None, 1, 4096)
    if tokens:
        common["eval_generation_config"] = json.dumps({"max_tokens": tokens})
    if target["lora"]:
        return [("before+after", {"model": target["model"], "adapters": [target["checkpoint"]], "eval_base": True,
                                  **common})]
    return [("before", {"model": target["model"], **common}), ("after", {"model": target["checkpoint"], **common})]


def _gguf_type(body: dict) -> str:
    from swift_cli.options.export import GGUF_TYPES

    kind = str(body.get("gguf_type") or "f16")
    if kind not in GGUF_TYPES:
        raise ActionError(f"--gguf_type {kind}: choose one of {', '.join(GGUF_TYPES)}")
    return kind


def _quant(body: dict) -> tuple[str, int]:
    """(--quant_method, --quant_bits) of a quantize action: a method that runs on a CPU, 4 or 8 bits."""
    from swift_cli.options.export import CPU_QUANT_METHODS

    method = str(body.get("quant_method") or "hqq")
    if method not in CPU_QUANT_METHODS:
        raise ActionError(f"--quant_method {method}: the run page quantizes with {', '.join(CPU_QUANT_METHODS)} "
                          f"(gptq/awq need a CUDA GPU)")
    bits = _int(body, "quant_bits", 4, 1, 64)
    if bits not in QUANT_BITS:
        raise ActionError(f"--quant_bits {bits}: choose 4 or 8")
    return method, bits


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def action_plans(action: str, target: dict, body: dict) -> list[tuple[str, str, dict[str, Any], dict]]:
    """[(command, role, option values, extra meta)] for one action on a finished run."""
    base = {"model": target["model"], "adapters": [target["checkpoint"]]} if target["lora"] \
        else {"model": target["checkpoint"]}
    if action == "eval":
        return [("eval", role, values, {}) for role, values in eval_plans(target, body)]
    check = {} if body.get("verify", True) not in (False, "false", "0") else {"verify": False}  # --verify false: skip
    if action == "merge":
        if not target["lora"]:
            raise ActionError("merge: the run trained all weights (--train_type full); there is no LoRA to merge")
        return [("export", "merge", {**base, "merge_lora": True, **check}, {})]
    if action == "gguf":
        return [("export", "gguf", {**base, "merge_lora": target["lora"], "to": "gguf", "gguf_type": _gguf_type(body),
                                    **check}, {})]
    if action == "quantize":
        method, bits = _quant(body)
        return [("export", f"{method}-int{bits}", {**base, "quant_method": method, "quant_bits": bits, **check}, {})]
    if action == "deploy":
        port = free_port()
        return [("deploy", "deploy", {**base, "host": "127.0.0.1", "port": port},
                 {"url": f"http://127.0.0.1:{port}/v1"})]
    raise ActionError(f"unknown action {action!r}: choose one of {', '.join(ACTIONS)}")


def start_action(store, job, action: str, body: dict, user: str = "web") -> list:
    """Submit the action's job(s), linked to `job`; returns the new Jobs (running, queued or refused)."""
    from jobs.links import submit_linked
    from jobs.store import render_job_argv

    target = run_target(store, job)
    return [submit_linked(store, job.id, action, render_job_argv(command, values), user, role=role, **meta)
            for command, role, values, meta in action_plans(action, target, body)]


# --- results ---------------------------------------------------------------------------------------------------
def eval_outputs(job) -> tuple[dict | None, list]:
    """(eval_report.json, eval_compare.json entries or []) of the eval job's newest run folder under output/."""
    reports = sorted(Path(job.job_dir, "output").glob("*/eval_report.json"), key=lambda p: p.stat().st_mtime)
    if not reports:
        return None, []
    compared = reports[-1].parent / "eval_compare.json"
    return (json.loads(reports[-1].read_text(encoding="utf-8")),
            json.loads(compared.read_text(encoding="utf-8")) if compared.is_file() else [])


def _entry(res: dict) -> dict:
    from swift_cli.engine.eval.interval import score_interval

    lo, hi = score_interval(res)
    return {"score": round(float(res["score"]), 4), "n": int(res["n"]), "low": round(lo, 4), "high": round(hi, 4)}


def eval_results(children: list[tuple[object, dict]]) -> list[dict]:
    """One row per dataset: {dataset, metric, before: {score, n, low, high}, after: {...}, diff: {diff, low, high,
    verdict} | None} from the run's finished eval jobs (the newest of each role wins). Each score's interval is
    the one `swift eval` saved next to it (95% Wilson over its n items, swift_cli/engine/eval/interval.py); the
    difference's is swift eval's paired bootstrap (eval_compare.json,
    written when one job scored base and adapter on the same items)."""
    sides: dict[str, dict] = {"before": {}, "after": {}}
    diffs: dict[str, dict] = {}
    for job, meta in children:
        if meta.get("action") != "eval" or job.status != "done":
            continue
        report, compared = eval_outputs(job)
        models = list((report or {}).get("models", {}))
        if not models:
            continue
        role = meta.get("role", "")
        if role == "before+after":
            pairs = [("before", models[0]), ("after", models[-1])] if len(models) > 1 else [("after", models[0])]
        else:
            pairs = [(role, models[-1])] if role in sides else []
        for side, model in pairs:
            sides[side] |= report["models"][model]
        for pair in compared if role == "before+after" else []:
            if (pair.get("a"), pair.get("b")) == (models[0], models[-1]):
                diffs |= {e["dataset"]: e for e in pair.get("datasets", [])}
    rows = []
    for dataset in sorted(set(sides["before"]) | set(sides["after"])):
        b, a = sides["before"].get(dataset), sides["after"].get(dataset)
        d = diffs.get(dataset)
        rows.append({"dataset": dataset, "metric": (a or b)["metric"], "before": _entry(b) if b else None,
                     "after": _entry(a) if a else None,
                     "diff": {k: round(d[k], 4) for k in ("diff", "low", "high")} | {"verdict": d["verdict"]}
                     if d else None})
    return rows


def linked_view(children: list[tuple[object, dict]]) -> list[dict]:
    """What the run page lists of its linked jobs: id, action, role, status, reason, command line, URL."""
    return [{"id": j.id, "action": m.get("action"), "role": m.get("role"), "status": j.status, "reason": j.reason,
             "command_line": j.command_line, "url": m.get("url") if j.status == "running" else None}
            for j, m in children]
