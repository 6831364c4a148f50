"""Small synthetic datasets in ms-swift's row formats for the task types, learnable by the tiny model in a few
dozen steps: each row is about one topic, named by its words."""
from __future__ import annotations

import json
import random
from pathlib import Path

TOPICS = {
    "animals": ["cat", "dog", "horse", "bird", "fish", "cow", "sheep", "mouse"],
    "vehicles": ["car", "bus", "train", "plane", "boat", "truck", "bike", "ship"],
    "food": ["bread", "apple", "rice", "cheese", "soup", "cake", "milk", "egg"],
    "weather": ["rain", "snow", "wind", "storm", "sun", "cloud", "fog", "ice"],
}
FRAMES = ["the {} and the {} are here", "I saw a {} near the {}", "a {} with a {}", "my {} likes the {}",
          "where is the {} and the {}", "look at that {} and {}"]


def sentence(rng: random.Random, topic: str) -> str:
    a, b = rng.sample(TOPICS[topic], 2)
    return rng.choice(FRAMES).format(a, b)


def seq_cls_rows(n: int, seed: int) -> list[dict]:
    """Two classes: animals (0) vs vehicles (1)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        label = rng.randrange(2)
        text = sentence(rng, ["animals", "vehicles"][label])
        rows.append({"messages": [{"role": "user", "content": text}], "label": label})
    return rows


def embedding_rows(n: int, seed: int, negatives: int = 1) -> list[dict]:
    rng = random.Random(seed)
    names = list(TOPICS)
    rows = []
    for _ in range(n):
        topic = rng.choice(names)
        others = [t for t in names if t != topic]
        rows.append({"messages": [{"role": "user", "content": sentence(rng, topic)}],
                     "positive_messages": [[{"role": "user", "content": sentence(rng, topic)}]],
                     "negative_messages": [[{"role": "user", "content": sentence(rng, rng.choice(others))}]
                                           for _ in range(negatives)]})
    return rows


def reranker_rows(n: int, seed: int, negatives: int = 2, hard: bool = False) -> list[dict]:
    """A query names a topic; its positive is a text on it. Easy (the tiny model's): queries on animals or
    vehicles, negatives on food or weather (on- vs off-topic). Hard: any topic, negatives on the others, so the
    score must depend on the query."""
    rng = random.Random(seed)
    names = list(TOPICS)
    asked = names if hard else names[:2]
    rows = []
    for _ in range(n):
        topic = rng.choice(asked)
        pool = [t for t in names if t != topic] if hard else names[2:]
        rows.append({"messages": [{"role": "user", "content": f"find text about {topic}"}],
                     "positive_messages": [[{"role": "assistant", "content": sentence(rng, topic)}]],
                     "negative_messages": [[{"role": "assistant", "content": sentence(rng, rng.choice(pool))}]
                                           for _ in range(negatives)]})
    return rows


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
