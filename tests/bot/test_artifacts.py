"""The artifact store: our local server's signed links (exact bytes, expiry and bad signatures refused, nothing
outside the store served), and an S3-compatible store through boto3 against a real SeaweedFS server started here
on 127.0.0.1 (presigned links downloaded, expired ones refused by the server)."""
from __future__ import annotations

import hashlib
import os
import signal
import sys
import time
import urllib.error
import urllib.request

import pytest

from jobs.artifacts import LocalStore, S3Store, sha256, signature, valid
from tests.bot.conftest import S3_KEY, S3_SECRET
from tests.conftest import REPO


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_signatures_pure():
    key = b"k" * 32
    sig = signature(key, "job-1/a.bin", 1000)
    assert valid(key, "job-1/a.bin", 1000, sig, now=999) is None
    assert valid(key, "job-1/a.bin", 1000, sig, now=1001) == "expired"
    assert valid(key, "job-1/b.bin", 1000, sig, now=999) == "bad signature"
    assert valid(key, "job-1/a.bin", 2000, sig, now=999) == "bad signature"      # expiry moved: refused


@pytest.fixture
def local_store(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    store = LocalStore(tmp_path / "artifacts", python=sys.executable)
    yield store
    if store.server_pid():
        os.kill(store.server_pid(), signal.SIGTERM)


def test_local_links_exact_bytes_and_expiry(local_store, tmp_path):
    src = tmp_path / "adapter_model.safetensors"
    src.write_bytes(os.urandom(300_000))
    name = local_store.put(src, "job-7/adapter_model.safetensors")
    link = local_store.link(name, ttl_s=2)
    assert link.startswith("http://127.0.0.1:")
    code, body = _get(link)
    assert code == 200 and hashlib.sha256(body).hexdigest() == sha256(src)
    assert _get(link.replace("job-7", "job-8"))[0] == 403                 # another name, same signature
    (tmp_path / "artifacts" / "secret").write_text("x")
    forged = f"http://127.0.0.1:{local_store.ensure_server()}/a/../secret?exp=9999999999&sig=00"
    assert _get(forged)[0] in (403, 404)
    time.sleep(3.1)
    code, body = _get(link)
    assert code == 403 and b"expired" in body
    assert local_store.ensure_server() == int(link.split(":")[2].split("/")[0])     # the same server is reused


def test_s3_store_against_seaweedfs(seaweed, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    store = S3Store("yichui-artifacts", endpoint=seaweed)
    store.ensure_bucket()
    assert store.read("job-3/nothing") is None
    src = tmp_path / "adapter_model.safetensors"
    src.write_bytes(os.urandom(9 * 2**20))                 # > 8 MiB: boto3 uploads it in parts
    name = store.put(src, "job-3/adapter_model.safetensors")
    link = store.link(name, ttl_s=2)
    assert link.startswith(seaweed) and "X-Amz-Expires=2" in link
    assert hashlib.sha256(store.read(name)).hexdigest() == sha256(src)
    code, body = _get(link)
    assert code == 200 and hashlib.sha256(body).hexdigest() == sha256(src)
    assert _get(link.replace("X-Amz-Signature=", "X-Amz-Signature=0"))[0] == 403
    time.sleep(3.5)
    assert _get(link)[0] == 403                            # the store enforces the expiry
