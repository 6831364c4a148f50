"""Synthetic image-text data drawn here: one coloured shape (or several) on a noisy background.

Questions: "What colour is the shape?" (4 colours, chance 1/4), "Which shape is it?" (3 shapes, chance 1/3),
"How many shapes are there?" (1-3, chance 1/3). The answer is decided by the drawing, so a model can only get it
right from the pixels.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

COLOURS = {"red": (220, 30, 30), "green": (30, 180, 40), "blue": (30, 60, 220), "yellow": (230, 210, 30)}
SHAPES = ("circle", "square", "triangle")
QUESTIONS = {"colour": "What colour is the shape?", "shape": "Which shape is it?",
             "count": "How many shapes are there?"}
COUNT_WORDS = {1: "one", 2: "two", 3: "three"}
CHANCE = {"colour": 1 / len(COLOURS), "shape": 1 / len(SHAPES), "count": 1 / len(COUNT_WORDS)}


def draw(rng: random.Random, size: int = 112, colour: str | None = None, shape: str | None = None,
         count: int = 1):
    """A PIL image: grey noise with `count` shapes of one colour and kind."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (size, size))
    img.putdata([tuple(rng.randint(90, 160) for _ in range(3)) for _ in range(size * size)])
    pen = ImageDraw.Draw(img)
    colour = colour or rng.choice(list(COLOURS))
    shape = shape or rng.choice(SHAPES)
    r = size // 4 if count == 1 else size // 7  # one shape: large; several: they must fit apart
    slots = [(size // 4, size // 4), (3 * size // 4, size // 4), (size // 2, 3 * size // 4)]
    if count == 1:
        slots = [(size // 2, size // 2)]
    for cx, cy in rng.sample(slots, count):
        cx, cy = cx + rng.randint(-4, 4), cy + rng.randint(-4, 4)
        box = (cx - r, cy - r, cx + r, cy + r)
        if shape == "circle":
            pen.ellipse(box, fill=COLOURS[colour])
        elif shape == "square":
            pen.rectangle(box, fill=COLOURS[colour])
        else:
            pen.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=COLOURS[colour])
    return img, colour, shape


def answer(kind: str, colour: str, shape: str, count: int) -> str:
    return {"colour": colour, "shape": shape, "count": COUNT_WORDS[count]}[kind]


def write_dataset(folder: Path, n: int, seed: int, kinds=("colour",), name: str = "vqa.jsonl") -> Path:
    """`n` rows (images under folder/img/, paths relative to the jsonl as ms-swift allows); returns the jsonl."""
    rng = random.Random(seed)
    (folder / "img").mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        count = rng.randint(1, 3) if kind == "count" else 1
        img, colour, shape = draw(rng, count=count)
        rel = f"img/{name.split('.')[0]}_{i:04d}.png"
        img.save(folder / rel)
        lines.append({"messages": [{"role": "user", "content": "<image>" + QUESTIONS[kind]},
                                   {"role": "assistant", "content": answer(kind, colour, shape, count)}],
                      "images": [rel]})
    path = folder / name
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    return path
