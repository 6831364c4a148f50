"""Seconds from clicking Launch in the web UI to the first training step on the run page, in a real browser.

    PYTHONPATH=$PWD python bench/webui_launch.py MODEL_DIR [--steps 5]

Starts `swift web-ui` on a free port over a fresh $YICHUI_HOME, fills the New-run form (LoRA on self-cognition#400),
clicks Launch, waits for the first loss on the page, stops the run; prints one JSON line. Also prints the page weight
(JS + CSS bytes the pages load) and the UI process's RSS after the pages were served."""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(model: str, steps: int = 5) -> dict:
    from selenium.webdriver.common.by import By

    from tests.webui.conftest import WebUI
    from tests.webui.test_browser import count, fill, wait

    home = Path(tempfile.mkdtemp(prefix="webui-bench-"))
    ui = WebUI(home)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests.webui.test_browser import chromedriver

    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    d = webdriver.Chrome(service=Service(executable_path=chromedriver()), options=opts)
    try:
        d.get(ui.url + "/new?lang=en")
        fill(d, model=model, dataset="self-cognition#400", max_steps=steps, logging_steps=1, max_length=256)
        t0 = time.monotonic()
        d.find_element(By.ID, "launch").click()
        wait(lambda: "/jobs/" in d.current_url, 120, "the run page")
        wait(lambda: count(d) >= 1, 900, "the first step")
        first = time.monotonic() - t0
        job = d.current_url.rstrip("/").split("/")[-1]
        weight = sum((REPO / "webui" / "static" / f).stat().st_size for f in ("app.js", "style.css"))
        rss = int(next(ln.split()[1] for ln in Path(f"/proc/{ui.proc.pid}/status").read_text().splitlines()
                       if ln.startswith("VmRSS")))
        d.execute_script(f"fetch('/jobs/{job}/stop', {{method: 'POST', headers: {{'X-CSRF-Token': "
                         "document.querySelector('meta[name=csrf-token]').content}})")
        time.sleep(5)
        return {"model": model, "launch_to_first_step_s": round(first, 1), "page_js_css_bytes": weight,
                "ui_rss_mib_during_run": round(rss / 1024, 1)}
    finally:
        d.quit()
        ui.stop()


if __name__ == "__main__":
    args = sys.argv[1:]
    steps = int(args[args.index("--steps") + 1]) if "--steps" in args else 5
    print(json.dumps(main(args[0], steps)))
