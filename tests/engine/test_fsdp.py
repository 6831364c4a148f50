"""ms-swift's --fsdp values reach TrainingArguments' fsdp / fsdp_config."""
from __future__ import annotations


def test_fsdp_takes_ms_swifts_preset_json_file_and_transformers_string(tmp_path):
    import json

    from swift_cli.engine.train import fsdp_kwargs

    assert fsdp_kwargs(None) == {} and fsdp_kwargs("fsdp2")["fsdp_config"]["fsdp_version"] == 2
    spec = tmp_path / "fsdp.json"
    spec.write_text(json.dumps({"_note": "x", "fsdp": "shard_grad_op auto_wrap", "fsdp_config": {"fsdp_version": 2}}))
    assert fsdp_kwargs(str(spec)) == {"fsdp": "shard_grad_op auto_wrap", "fsdp_config": {"fsdp_version": 2}}
    assert fsdp_kwargs("full_shard") == {"fsdp": "full_shard"}
