"""`swift plan --task eval`: memory of scoring a model = inference memory (weights + KV cache) for the batch the
local server runs at once (--eval_num_proc requests in flight, default 8) at a benchmark-sized prompt plus the
generation budget (default max_tokens 256). The estimate itself is the planner's inference estimate."""
from __future__ import annotations

EVAL_BATCH = 8      # --eval_num_proc default: requests in flight, batched together by the local server
EVAL_PROMPT = 1024  # a few-shot benchmark prompt (GSM8K 4-shot, C-Eval 5-shot are ~600-1000 tokens)
EVAL_NEW = 256      # runner.DEFAULT_GENERATION["max_tokens"]


def eval_wishes(cfg) -> dict:
    """Planner wishes for an evaluation: the user's explicit --max_length / dtype / backend, else the defaults."""
    from swift_cli.engine.planning import wishes

    w = wishes(cfg, "infer")
    w.setdefault("max_length", EVAL_PROMPT)
    w.update(max_batch_size=EVAL_BATCH, max_new_tokens=EVAL_NEW)
    return w


def print_eval_plan(cfg, as_json: bool = False):
    import json
    import shlex

    from hardware.plan import make_plan
    from swift_cli.engine.planning import load_profile, model_spec

    plan = make_plan(model_spec(cfg), load_profile(cfg.train.hardware), eval_wishes(cfg))
    plan.notes.append(f"eval: {EVAL_BATCH} requests batched (--eval_num_proc), prompt {EVAL_PROMPT} + "
                      f"{EVAL_NEW} new tokens each; lower --eval_num_proc to need less KV cache")
    # swift eval's own spellings of what the estimate assumed (the planner names them for swift infer/deploy)
    dtype = plan.flags.get("torch_dtype", "auto")
    plan.flags.clear()
    plan.flags.update(torch_dtype=dtype, eval_num_proc=EVAL_BATCH)
    cmd = shlex.join(["swift", "eval", "--model", str(cfg.model.model or ""), "--torch_dtype", str(dtype),
                      "--eval_num_proc", str(EVAL_BATCH)])
    if as_json:
        print(json.dumps({**plan.to_dict(), "task": "eval", "command": cmd}, ensure_ascii=False, default=str))
        return plan
    from rich.console import Console

    from hardware.report import render_plan

    Console().print(render_plan(plan))
    print(cmd)
    return plan
