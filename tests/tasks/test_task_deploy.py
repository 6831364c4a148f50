"""`swift deploy` of task models over real HTTP: /v1/embeddings through the official openai client (float and
its default base64), /v1/classify and ms-swift's chat answer for seq_cls, and the refusals (wrong route, bad
body) in OpenAI's error shape."""
from __future__ import annotations

import json

import pytest

from tests.serving import httpx, start_deploy, stop

openai = pytest.importorskip("openai")


def rows(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def cos(a, b) -> float:
    return sum(x * y for x, y in zip(a, b)) / (sum(x * x for x in a) ** 0.5 * sum(y * y for y in b) ** 0.5)


def test_embeddings_endpoint_with_the_openai_client(emb_ckpt, task_data, tmp_path):
    server = start_deploy(["--adapters", f"emb={emb_ckpt}", "--served_model_name", "tiny-emb"], tmp_path / "log")
    try:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="none")
        assert [m.id for m in client.models.list().data] == ["tiny-emb", "emb"]
        test = rows(task_data / "emb_test.jsonl")[:12]
        texts = [t for r in test for t in (r["messages"][0]["content"], r["positive_messages"][0][0]["content"],
                                           r["negative_messages"][0][0]["content"])]
        floats = client.embeddings.create(model="tiny-emb", input=texts, encoding_format="float")
        packed = client.embeddings.create(model="emb", input=texts)  # the client's default: base64
        assert len(floats.data) == len(texts) and floats.usage.prompt_tokens > 0
        a, b = floats.data[0].embedding, packed.data[0].embedding
        assert len(a) == 128 and max(abs(x - y) for x, y in zip(a, b)) < 1e-5
        vecs = [d.embedding for d in floats.data]
        wins = sum(cos(vecs[i], vecs[i + 1]) > cos(vecs[i], vecs[i + 2]) for i in range(0, len(vecs), 3))
        assert wins >= 8, wins  # the trained model puts the positive closer than the negative
        short = client.embeddings.create(model="emb", input="a cat", encoding_format="float", dimensions=16)
        assert len(short.data[0].embedding) == 16
        wrong = httpx.post(server.url + "/v1/rerank", json={"model": "emb", "query": "q", "documents": ["d"]})
        assert wrong.status_code == 404 and "/v1/embeddings" in wrong.json()["error"]["message"]
        with pytest.raises(openai.BadRequestError):
            client.embeddings.create(model="emb", input=[])
    finally:
        stop(server)


def test_seq_cls_classify_and_chat_answer(cls_ckpt, tmp_path):
    server = start_deploy(["--adapters", str(cls_ckpt)], tmp_path / "log")
    try:
        name = httpx.get(server.url + "/v1/models").json()["data"][0]["id"]
        got = httpx.post(server.url + "/v1/classify", json={"model": name, "input": [
            "the cat and the dog are here", "I saw a bus near the train"]}).json()
        assert [d["label"] for d in got["data"]] == [0, 1], got
        assert abs(sum(got["data"][0]["probs"]) - 1) < 1e-4
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="none")
        answer = client.chat.completions.create(model=name, messages=[{"role": "user", "content": "a car with a bus"}])
        assert answer.choices[0].message.content == "1"
    finally:
        stop(server)


def test_rerank_endpoint_and_chat_score(rr_ckpt, task_data, tmp_path):
    server = start_deploy(["--adapters", str(rr_ckpt), "--served_model_name", "rr"], tmp_path / "log")
    try:
        test = rows(task_data / "rr_test.jsonl")[:10]
        firsts = 0
        for r in test:
            docs = [r["positive_messages"][0][0]["content"]] + [n[0]["content"] for n in r["negative_messages"]]
            got = httpx.post(server.url + "/v1/rerank", json={"model": "rr", "query": r["messages"][0]["content"],
                                                                "documents": docs, "top_n": 2}).json()
            assert len(got["results"]) == 2 and got["results"][0]["relevance_score"] >= got["results"][1][
                "relevance_score"]
            assert got["results"][0]["document"]["text"] == docs[got["results"][0]["index"]]
            firsts += got["results"][0]["index"] == 0
        assert firsts >= 7, firsts
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="none")
        score = client.chat.completions.create(model="rr", messages=[
            {"role": "user", "content": "find text about animals"},
            {"role": "assistant", "content": "the cat and the dog are here"}]).choices[0].message.content
        assert 0 < float(score) < 1
        bad = httpx.post(server.url + "/v1/rerank", json={"model": "rr", "query": "q", "documents": "d"})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "documents"
    finally:
        stop(server)
