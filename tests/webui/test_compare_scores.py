"""The Compare page puts the runs' eval scores side by side with their 95% intervals (each score's Wilson interval
over its n items; the paired interval of after − before where swift eval wrote one). The eval jobs' folders are
written here as `swift eval` writes them (eval_report.json, eval_compare.json); test_run_actions.py makes real ones."""
from __future__ import annotations

import json
import re

from jobs.meta import update_meta
from tests.webui.conftest import write_run
from swift_cli.engine.eval.interval import wilson, with_interval


def _eval_job(store, parent: int, role: str, models: dict, compared: list | None = None) -> int:
    job_id = store.table.insert("t", "eval", ["eval", "--model", "m"], "done")
    job_dir = store.root / "jobs" / str(job_id)
    run = job_dir / "output" / "20260101-000000"
    run.mkdir(parents=True)
    (run / "eval_report.json").write_text(json.dumps({"models": models}))
    if compared is not None:
        (run / "eval_compare.json").write_text(json.dumps(compared))
    store.table.update(job_id, job_dir=str(job_dir), exit_code=0)
    update_meta(job_dir, parent=parent, action="eval", role=role)
    return job_id


def _res(score: float, n: int) -> dict:
    return {"score": score, "n": n, "metric": "Accuracy", "subsets": {}}


def test_scores_with_intervals_side_by_side(make_client):
    client, console = make_client(lang="en")
    store = console.store
    a = write_run(store, [{"step": 1, "loss": 2.0}])
    b = write_run(store, [{"step": 1, "loss": 1.5}])
    _eval_job(store, a, "before+after", {"base": {"yichui_math": _res(0.25, 40)}, "default": {"yichui_math": _res(0.5, 40)}},
              [{"a": "base", "b": "default", "level": 0.95, "datasets": [
                  {"dataset": "yichui_math", "n": 40, "a": 0.25, "b": 0.5, "diff": 0.25, "low": 0.1, "high": 0.4,
                   "verdict": "better"}]}])
    _eval_job(store, b, "before", {"base": {"yichui_math": _res(0.25, 40), "yichui_mcq": _res(0.6, 10)}})
    _eval_job(store, b, "after", {"ckpt": {"yichui_math": _res(0.3, 40), "yichui_mcq": _res(0.7, 10)}})
    html = client.get(f"/compare?ids={a},{b}").text
    table = html[html.index('id="compare-scores"'):]
    table = table[:table.index("</table>")]
    rows = dict(re.findall(r"<tr><td>(\w+)</td>(.*?)</tr>", table, re.S))
    assert set(rows) == {"yichui_math", "yichui_mcq"}
    lo, hi = wilson(0.5, 40)
    cell_a = re.search(rf'data-job="{a}">(.*?)</td>', rows["yichui_math"], re.S).group(1)
    assert f"0.500 [{lo:.3f}, {hi:.3f}]" in cell_a and "+0.250 [+0.100, +0.400]" in cell_a
    cell_b = re.search(rf'data-job="{b}">(.*?)</td>', rows["yichui_math"], re.S).group(1)
    lo, hi = wilson(0.3, 40)
    assert f"0.300 [{lo:.3f}, {hi:.3f}]" in cell_b and "0.250 [" in cell_b and "+0." not in cell_b
    assert re.search(rf'data-job="{a}">\s*–', rows["yichui_mcq"])            # run a has no mcq score
    # a wider interval for fewer items: n=10 vs n=40 at similar scores
    l10, h10 = wilson(0.7, 10)
    l40, h40 = wilson(0.7, 40)
    assert h10 - l10 > h40 - l40 > 0


def test_the_page_shows_the_interval_swift_eval_saved(make_client):
    client, console = make_client(lang="en")
    a = write_run(console.store, [{"step": 1, "loss": 2.0}])
    saved = with_interval(_res(0.5, 40)) | {"low": 0.123, "high": 0.987}         # a saved interval is not recomputed
    _eval_job(console.store, a, "after", {"ckpt": {"yichui_math": saved}})
    html = client.get(f"/compare?ids={a}").text
    assert "0.500 [0.123, 0.987]" in html


def test_wilson_interval_is_the_textbook_one():
    lo, hi = wilson(0.5, 100)     # 50/100: 0.404 .. 0.596 (Wilson, z = 1.96)
    assert (round(lo, 3), round(hi, 3)) == (0.404, 0.596)
    lo, hi = wilson(0.0, 10)      # 0/10: 0 .. 0.278
    assert lo == 0.0 and round(hi, 3) == 0.278
