"""ms-swift's TrainingArguments flags reach the trainer unchanged, and the generated flag table matches the
installed transformers (an upgrade that adds or renames a field fails here: rerun scripts/gen_msswift_flags.py)."""
from __future__ import annotations

import dataclasses
import json

from swift_cli.options.msswift_flags import HF, TRANSFORMERS_VERSION
from tests.conftest import swift


def test_the_flag_table_matches_the_installed_trainer_arguments():
    import transformers
    from transformers import Seq2SeqTrainingArguments
    from trl import SFTConfig

    installed = {f.name for f in dataclasses.fields(Seq2SeqTrainingArguments) if f.init and not f.name.startswith("_")}
    assert set(HF) == installed, (transformers.__version__, TRANSFORMERS_VERSION, set(HF) ^ installed)
    sft_fields = {f.name for f in dataclasses.fields(SFTConfig)}
    assert set(HF) - {"sortish_sampler", "predict_with_generate", "generation_max_length", "generation_num_beams",
                      "generation_config"} <= sft_fields  # trl's configs take every TrainingArguments field


def test_trainer_fields_reach_the_run(tmp_path, tiny_model):
    out = tmp_path / "out"
    proc = swift("sft", "--model", tiny_model, "--dataset", "self-cognition#10", "--max_steps", "2",
                 "--per_device_train_batch_size", "4", "--save_steps", "2", "--report_to", "none",
                 "--dataloader_drop_last", "true", "--lr_scheduler_kwargs", '{"min_lr": 0.0}',
                 "--lr_scheduler_type", "cosine_with_min_lr", "--load_from_cache_file", "true",
                 "--output_dir", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "note: --load_from_cache_file: ms-swift flag accepted; no effect" in proc.stderr
    (run,) = out.glob("v*")
    args = json.loads((run / "args.json").read_text())
    assert args["dataloader_drop_last"] is True and args["lr_scheduler_kwargs"] == '{"min_lr": 0.0}'
    state = json.loads((run / "checkpoint-2" / "trainer_state.json").read_text())
    assert state["global_step"] == 2
    targs = run / "checkpoint-2" / "training_args.bin"
    import torch

    saved = torch.load(targs, weights_only=False)
    assert saved.dataloader_drop_last is True and saved.lr_scheduler_kwargs == {"min_lr": 0.0}
