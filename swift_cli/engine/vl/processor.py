"""A vision-language model's text and image sides, loaded without torchvision, and what we need from them: how many
placeholder tokens each image becomes, its pixels, and the parts of the model (vision tower, aligner, LLM).

transformers 5.24 cannot build Qwen2VLProcessor without torchvision (its video processor needs it), so the
tokenizer and the image processor are loaded separately: AutoImageProcessor picks Qwen2VLImageProcessorPil when
torchvision is absent. The expansion rule `<|image_pad|>` x (t*h*w / merge_size^2) is the Qwen2-VL family's
(Qwen2-VL, Qwen2.5-VL, Qwen3-VL); other families slot in as rows of FAMILIES.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from swift_cli.errors import UsageError


@dataclass(frozen=True)
class Family:
    """Where a family keeps its parts (module-name prefixes) and its image placeholder token."""

    vision_tower: str
    aligner: str
    language_model: str
    image_token: str


QWEN_VL = Family(vision_tower="model.visual", aligner="model.visual.merger", language_model="model.language_model",
                 image_token="<|image_pad|>")
FAMILIES = {"qwen2_vl": QWEN_VL, "qwen2_5_vl": QWEN_VL, "qwen3_vl": QWEN_VL}


def model_type(model_dir: Path) -> str | None:
    cfg = Path(model_dir) / "config.json"
    if not cfg.is_file():
        return None
    return json.loads(cfg.read_text(encoding="utf-8")).get("model_type")


def is_vl_model(model_dir: Path) -> bool:
    """A model whose config.json has a vision tower (vision_config)."""
    cfg = Path(model_dir) / "config.json"
    return cfg.is_file() and "vision_config" in json.loads(cfg.read_text(encoding="utf-8"))


def family_of(model_dir: Path) -> Family:
    kind = model_type(model_dir)
    if kind not in FAMILIES:
        raise UsageError(f"--model {model_dir}: vision-language family {kind!r} is not supported yet "
                         f"(supported: {', '.join(FAMILIES)})")
    return FAMILIES[kind]


def max_pixels_value(flag: int | None) -> int | None:
    """--max_pixels, else MAX_PIXELS from the environment (ms-swift reads the same variable), else None."""
    if flag is not None:
        return flag
    env = os.environ.get("MAX_PIXELS")
    if env is None or not env.strip():
        return None
    if not env.strip().isdigit():
        raise UsageError(f"MAX_PIXELS={env}: must be a whole number of pixels")
    return int(env)


class VLProcessor:
    """Tokenizer (with a chat template that renders image parts) + image processor, for one model folder."""

    def __init__(self, model_dir: Path, template: str | None = None, max_pixels: int | None = None):
        from transformers import AutoImageProcessor

        from swift_cli.engine import models

        self.family = family_of(model_dir)
        self.tokenizer = models.load_tokenizer(model_dir, template)
        self.image_processor = AutoImageProcessor.from_pretrained(model_dir)
        self.max_pixels = max_pixels_value(max_pixels)
        if self.max_pixels is not None:
            low = self.image_processor.size["shortest_edge"]
            if self.max_pixels < low:
                raise UsageError(f"--max_pixels {self.max_pixels} is below the model's min_pixels {low}")
            self.image_processor.size["longest_edge"] = self.max_pixels
        self.image_token_id = self.tokenizer.convert_tokens_to_ids(self.family.image_token)
        self.merge = self.image_processor.merge_size

    def tokens_for(self, height: int, width: int) -> int:
        """Placeholder tokens one image of this size becomes (patches after resizing, merged merge x merge)."""
        return self.image_processor.get_number_of_image_patches(height, width) // self.merge ** 2

    def pixels(self, images: list) -> dict:
        """pixel_values and image_grid_thw (torch tensors) for PIL images, in order."""
        return dict(self.image_processor(images=images, return_tensors="pt"))


PROCESSOR_FILES = ("preprocessor_config.json", "video_preprocessor_config.json", "processor_config.json",
                   "chat_template.json", "chat_template.jinja")


def model_class(model_dir: Path):
    """The transformers auto class that loads `model_dir` as its own architecture (image-text or causal LM)."""
    from transformers import AutoModelForCausalLM, AutoModelForImageTextToText

    return AutoModelForImageTextToText if is_vl_model(model_dir) else AutoModelForCausalLM


def copy_processor_files(src: Path, dst: Path) -> None:
    """A derived model (merged, exported) keeps the base's processor, so AutoProcessor/our loader find it."""
    import shutil

    for name in PROCESSOR_FILES:
        if (Path(src) / name).is_file() and not (Path(dst) / name).exists():
            shutil.copy(Path(src) / name, Path(dst) / name)
