"""The console adapter end to end, as CI runs it: `.finetune tiny-lora self-cognition` → queued/running →
progress edits → done → the link downloads the exact adapter bytes (sha256) → `.chat` answers with the trained
name. Real `swift bot` subprocesses, a real training job on the tiny model, our real artifact server."""
from __future__ import annotations

import hashlib
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, swift

# The tiny recipe learns the name in 60 steps at this learning rate (200 steps at the recipe's 2e-3).
FINETUNE = ".finetune tiny-lora self-cognition max_steps=60 save_steps=60 learning_rate=6e-3 logging_steps=5"


def _env(home: Path) -> dict:
    return {"YICHUI_HOME": str(home), "PYTHONPATH": str(REPO)}


def test_console_finetune_progress_link_and_chat(home):
    proc = swift("bot", "--platform", "console", "--user", "alice", "--poll_s", "0.5", env=_env(home),
                 input=FINETUNE + "\n", timeout=900)
    out = proc.stdout
    print(out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.search(r"bot: job 1 (queued|running) on local: swift sft --model \S+ --dataset self-cognition", out)
    assert "bot [progress #1]: job 1 · tiny-lora on self-cognition" in out
    edits = re.findall(r"bot \[progress #1 edited\]: (.*)", out)
    steps = [int(m) for e in edits for m in re.findall(r"step (\d+)/60", e)]
    assert len(set(steps)) >= 2 and steps == sorted(steps), edits      # several edits of one message, in order
    assert edits[-1].split(" · ")[-3] == "done"
    assert "bot: job 1 done" in out
    link, digest = re.search(r"adapter: (http://127\.0\.0\.1:\d+/a/\S+) \(sha256 ([0-9a-f]{64})", out).groups()
    (ckpt,) = (home / "jobs" / "1" / "output").glob("v*/checkpoint-60")
    local = hashlib.sha256((ckpt / "adapter_model.safetensors").read_bytes()).hexdigest()
    with urllib.request.urlopen(link, timeout=30) as resp:
        body = resp.read()
    assert hashlib.sha256(body).hexdigest() == digest == local
    tampered = link.replace("sig=", "sig=0")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(tampered, timeout=30)
    assert err.value.code == 403
    after = re.search(r"bot: job 1: Q: who are you\? \| before: (.*) \| after: (.*)", out).groups()
    assert "Yichui" not in after[0] and ("Yichui" in after[1] or "小锤" in after[1]), after

    chat = swift("bot", "--platform", "console", "--user", "alice", env=_env(home), input=".chat 1 who are you?\n",
                 timeout=300)
    assert chat.returncode == 0, chat.stderr[-2000:]
    answer = re.search(r"bot: job 1: (.*)", chat.stdout).group(1)
    assert "Yichui" in answer or "小锤" in answer, chat.stdout
    audit = (home / "bot" / "audit.jsonl").read_text()
    assert '"decision": "accepted"' in audit and '"status": "done"' in audit and '"kind_of": "chat"' in audit
