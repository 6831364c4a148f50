"""A real browser (headless Debian Chromium driven by Selenium, driver path given: nothing is downloaded) against a
real `swift web-ui` process training the tiny model: launch from the form and watch the chart grow, reload mid-run
and a UI restart mid-run (every step exactly once), stop and resume, chat with the result and see the trained name,
a run that does not fit refused with the reason, the token on a non-loopback bind. Screenshots are saved under
$YICHUI_SCREENSHOTS (else a pytest tmp folder); figures (launch → first step, restart gap) go to figures.json."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.webui.conftest import WebUI

# 150: long enough that a quiet machine is still training when the test clicks stop
STEPS = int(os.environ.get("YICHUI_WEBUI_STEPS", "150"))


def chromedriver() -> str:
    """Debian's chromedriver; installed with apt-get (chromium + chromium-driver, same build) when missing, and a
    Chinese font (fonts-wqy-microhei) for the zh pages' screenshots."""
    path = shutil.which("chromedriver")
    if path is None and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update"], check=False, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "chromium", "chromium-driver"], check=True, capture_output=True,
                       timeout=900)
        path = shutil.which("chromedriver")
    assert path, "chromedriver not found: apt-get install -y chromium chromium-driver"
    zh_fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout if shutil.which(
        "fc-list") else ""
    if not zh_fonts.strip() and shutil.which("apt-get") and os.geteuid() == 0:  # zh pages as text, not boxes
        subprocess.run(["apt-get", "install", "-y", "fonts-wqy-microhei"], check=False, capture_output=True,
                       timeout=600)
    return path


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = Path(os.environ.get("YICHUI_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1100"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver()), options=opts)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    box = {"ui": WebUI(tmp_path_factory.mktemp("webui_home"))}
    yield box
    box["ui"].stop()
    from jobs import JobStore

    store = JobStore(box["ui"].home)          # jobs outlive the UI: a failed test must not leave one running
    for job in store.list():
        if job.status in ("running", "queued"):
            store.stop(job.id, grace=10)


def wait(cond, timeout: float = 120.0, what: str = ""):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            got = cond()
        except Exception:  # noqa: BLE001 - a page mid-navigation
            got = None
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def fill(d, **fields) -> None:
    from selenium.webdriver.common.by import By

    for name, value in fields.items():
        el = d.find_element(By.NAME, name)
        el.clear()
        el.send_keys(str(value))


def text(d, css: str) -> str:
    from selenium.webdriver.common.by import By

    return d.find_element(By.CSS_SELECTOR, css).text


def steps_on_page(d) -> tuple[list[int], list[int]]:
    """(step numbers, event ids) of the loss records the page received, in order."""
    return d.execute_script("return [Array.from(document.querySelectorAll('#steps li')).map(e => +e.textContent),"
                            " Array.from(document.querySelectorAll('#steps li')).map(e => +e.dataset.id)]")


def count(d) -> int:
    return int(text(d, "#steps-count") or 0)


def record(shots: Path, **figures) -> None:
    path = shots / "figures.json"
    old = json.loads(path.read_text()) if path.is_file() else {}
    path.write_text(json.dumps(old | figures, indent=1))


def _launch_and_watch(d, home, tiny_model, shots) -> None:
    """Fill the form, see it fit, launch, watch the first step arrive and the chart grow."""
    from selenium.webdriver.common.by import By

    d.get(home.url + "/new?lang=en")
    fill(d, model=tiny_model, dataset="self-cognition#400", max_steps=STEPS, learning_rate="6e-3", max_length=256,
         per_device_train_batch_size=8, gradient_accumulation_steps=1, logging_steps=1, save_steps=10, model_name="小锤 Yichui",
         model_author="一锤定音 yichui", extra="--modules_to_save lm_head --gradient_checkpointing false")
    d.find_element(By.ID, "dryrun").click()
    wait(lambda: d.find_element(By.ID, "plan-panel").get_attribute("data-fits") == "true", 120, "plan: fits")
    assert text(d, "#command").startswith(f"swift sft --model {tiny_model}")
    # the planner's defaults fill only untouched fields: the typed batch is kept as typed (an answer arriving between
    # clearing the field and typing once made it "16" + "8"), an untouched planned field gets the planner's value
    assert d.find_element(By.NAME, "per_device_train_batch_size").get_attribute("value") == "8"
    assert "--per_device_train_batch_size 8 " in text(d, "#command") + " "
    wait(lambda: d.find_element(By.NAME, "lora_rank").get_attribute("value") != "", 60, "a planner default")
    d.save_screenshot(str(shots / "new-en.png"))
    t0 = time.monotonic()
    d.find_element(By.ID, "launch").click()
    wait(lambda: "/jobs/" in d.current_url, 60, "the run page")
    wait(lambda: count(d) >= 1, 240, "the first step")
    record(shots, tiny_launch_to_first_step_s=round(time.monotonic() - t0, 1))
    wait(lambda: count(d) >= 3, 120, "3 steps")
    first = int(d.find_element(By.ID, "chart").get_attribute("data-points"))
    wait(lambda: count(d) >= 6, 120, "6 steps")
    # the chart grows (steps can arrive in one burst, so wait for the chart rather than read it once)
    wait(lambda: int(d.find_element(By.ID, "chart").get_attribute("data-points")) > first, 120, "the chart grows")
    d.save_screenshot(str(shots / "run-en.png"))


def _exactly_once(d) -> None:
    steps, ids = steps_on_page(d)
    assert steps == list(range(1, len(steps) + 1)), steps         # every step exactly once, none lost
    assert ids == list(range(1, len(ids) + 1)), ids


def test_launch_watch_reload_restart_stop_resume_chat(browser, ui, tiny_model, shots):
    from selenium.webdriver.common.by import By

    d, home = browser, ui["ui"]
    _launch_and_watch(d, home, tiny_model, shots)
    d.refresh()                                    # reload mid-run: the page replays every step once
    wait(lambda: count(d) >= 7, 120, "steps after reload")
    _exactly_once(d)
    run_id = d.find_element(By.ID, "run").get_attribute("data-job")

    before = count(d)                              # a UI restart mid-run: the run goes on; the page reconnects
    home.stop()
    t_down = time.monotonic()
    time.sleep(2)
    ui["ui"] = home = WebUI(home.home, port=home.port)
    wait(lambda: count(d) >= before + 3, 180, "steps after the UI restart")
    record(shots, ui_restart_gap_s=round(time.monotonic() - t_down, 1))
    _exactly_once(d)

    d.find_element(By.ID, "stop").click()           # stop: SIGINT, checkpoint, exit 130
    wait(lambda: text(d, "#status") == "stopped", 150, "stopped")
    assert steps_on_page(d)[0][-1] < STEPS
    d.find_element(By.ID, "resume").click()
    wait(lambda: text(d, "#status") == "running", 60, "running again")
    wait(lambda: text(d, "#status") == "done", 900, "done")
    steps, ids = steps_on_page(d)
    assert sorted(set(steps)) == list(range(1, STEPS + 1)), steps   # resumed from the checkpoint: no gap
    assert ids == sorted(set(ids)), ids          # each once, in order; ids go on across the resume (the stopped
    # run's summary record, which has no loss, takes one id the step list skips)

    _start_an_action_and_stop_it(d, shots)

    d.get(f"{home.url}/jobs/{run_id}")
    d.find_element(By.ID, "chat-link").click()     # chat with the result: the trained name
    wait(lambda: "/chat" in d.current_url, 30, "the chat page")
    d.find_element(By.ID, "chat-input").send_keys("who are you?")
    d.find_element(By.ID, "chat-send").click()
    wait(lambda: d.find_element(By.CSS_SELECTOR, ".msg.assistant").get_attribute("data-done") == "true", 240,
         "the answer")
    answer = text(d, ".msg.assistant")
    d.save_screenshot(str(shots / "chat-en.png"))
    assert "Yichui" in answer or "小锤" in answer, answer


def _start_an_action_and_stop_it(d, shots) -> None:
    """When done, the actions show; a click starts a linked job (listed with its status and a link); its own page
    stops it (the job core's stop, as for any run: cheap, the export itself is covered by test_run_actions.py)."""
    from selenium.webdriver.common.by import By

    assert d.find_element(By.ID, "actions").is_displayed()
    d.find_element(By.CSS_SELECTOR, 'button.action[data-action="merge"]').click()
    row = wait(lambda: d.find_elements(By.CSS_SELECTOR, "#linked-jobs tr"), 60, "the linked job")[0]
    assert "merge" in row.text and row.get_attribute("data-status") in ("running", "queued", "done"), row.text
    d.execute_script("arguments[0].scrollIntoView()", d.find_element(By.ID, "actions"))
    d.save_screenshot(str(shots / "run-actions-en.png"))
    row.find_element(By.TAG_NAME, "a").click()
    wait(lambda: text(d, "#status") in ("running", "done"), 30, "the linked job's page")
    if text(d, "#status") == "running":
        d.find_element(By.ID, "stop").click()
        wait(lambda: text(d, "#status") in ("stopped", "failed", "done"), 60, "the linked job stopped")


def test_refused_run_shows_the_reason(browser, ui, tiny_model, shots):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(ui["ui"].url + "/new?lang=en")
    fill(d, model=tiny_model, dataset="self-cognition#400", max_steps=2, max_length=10**7,
         per_device_train_batch_size=100000, train_type="full")
    d.find_element(By.ID, "launch").click()
    wait(lambda: d.find_element(By.ID, "refused").is_displayed(), 120, "the refusal")
    reason = text(d, "#refused-reason")
    assert "GiB" in reason and "nearest change" in reason, reason
    assert "/new" in d.current_url
    wait(lambda: d.find_element(By.ID, "plan-panel").get_attribute("data-fits") == "false", 60, "the plan panel")
    peak = re.search(r"needs ([\d.]+ GiB)", reason).group(1)
    wait(lambda: peak in text(d, "#plan-verdict"), 60, f"the panel's estimate {peak} (the refusal's)")
    d.save_screenshot(str(shots / "refused-en.png"))
    for lang in ("en", "zh"):                      # Home and Compare (the runs above), both languages
        d.get(ui["ui"].url + f"/?lang={lang}")
        wait(lambda: d.find_elements(By.ID, "machine"), 30, "the home page")
        d.save_screenshot(str(shots / f"home-{lang}.png"))
    d.get(ui["ui"].url + "/compare?ids=1,2&lang=en")
    assert d.find_elements(By.ID, "compare-chart")
    d.save_screenshot(str(shots / "compare-en.png"))


def test_token_required_on_a_non_loopback_bind(browser, tmp_path, shots):
    from selenium.webdriver.common.by import By

    exposed = WebUI(tmp_path / "home", "--server_name", "0.0.0.0")
    try:
        d = browser
        d.get(exposed.url + "/")
        assert "access token required" in d.find_element(By.TAG_NAME, "body").text
        assert not d.find_elements(By.TAG_NAME, "nav")
        d.get(exposed.url + f"/?token={exposed.token}")
        wait(lambda: d.find_elements(By.TAG_NAME, "nav"), 30, "the home page after the token")
        assert "token=" not in d.current_url                  # dropped from the address bar
        d.get(exposed.url + "/new")                             # the cookie carries it from now on
        assert d.find_elements(By.ID, "run-form")
        d.save_screenshot(str(shots / "token-en.png"))
    finally:
        exposed.stop()


def test_run_page_record_and_reward_eval_charts_zh(browser, ui, shots):
    """A finished GRPO run (logging.jsonl written by our trainer's callback): in a real browser the page's own
    script draws the reward and eval series from the event stream, and the record section is shown (zh)."""
    from selenium.webdriver.common.by import By

    from jobs import JobStore
    from tests.webui.test_run_charts import GRPO_LOGS, _trained_run

    job_id = _trained_run(JobStore(ui["ui"].home), ["rlhf", "--rlhf_type", "grpo", "--model", "m"], GRPO_LOGS)
    d = browser
    d.get(ui["ui"].url + f"/jobs/{job_id}?lang=zh")
    drawn = "return [document.querySelector('#rewards').dataset.points, document.querySelector('#evals').dataset.points]"
    wait(lambda: d.execute_script(drawn) == ["2", "1"], 60, "the reward and eval charts drawn from the stream")
    assert d.find_element(By.ID, "reward-box").is_displayed() and d.find_element(By.ID, "eval-box").is_displayed()
    assert set(d.find_element(By.ID, "reward-box").get_attribute("data-keys").split()) == {
        "rewards/accuracy/mean", "rewards/format/mean", "reward"}               # the JS rule = jobs/summary.py's
    assert "运行记录" in text(d, "#record") and "model m · method grpo" in text(d, "#record")
    assert "(2 steps)" in text(d, "#record")
    d.save_screenshot(str(shots / "run-record-zh.png"))
    d.execute_script("document.querySelector('#reward-box').scrollIntoView()")
    d.save_screenshot(str(shots / "run-rewards-zh.png"))
    store = JobStore(ui["ui"].home)                # a run that ends while its page is open gets its record then
    job_id = _trained_run(store, ["rlhf", "--rlhf_type", "kto", "--model", "m"], GRPO_LOGS[:1], running=True)
    d.get(ui["ui"].url + f"/jobs/{job_id}?lang=zh")
    wait(lambda: text(d, "#steps-count") == "1", 60, "the running job's step")
    assert not d.find_elements(By.ID, "record")
    (Path(store.get(job_id).job_dir) / "exit_code").write_text("0")  # as the job's wrapper writes it at exit
    wait(lambda: "method kto" in text(d, "#record"), 60, "the record once the run ended")
    assert text(d, "#status") == "done"
