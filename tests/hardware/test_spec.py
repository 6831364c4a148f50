"""ModelSpec parameter counts must equal what transformers actually builds (on the meta device)."""
import json

import pytest

from hardware.spec import ModelSpec, load_model_config, lora_trainable_params

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

SMALL = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=3, num_attention_heads=4,
             num_key_value_heads=2, vocab_size=1000, pad_token_id=0, bos_token_id=1,
             eos_token_id=2)

CASES = {
    "qwen2": ("qwen2", {}),
    "qwen2-tied": ("qwen2", {"tie_word_embeddings": True}),
    "qwen2-tiny": ("qwen2", dict(hidden_size=64, num_hidden_layers=2, vocab_size=2000,
                                 intermediate_size=176, num_attention_heads=4,
                                 num_key_value_heads=2)),
    "llama-bias": ("llama", {"attention_bias": True, "mlp_bias": True}),
    "llama-mqa": ("llama", {"num_key_value_heads": 1}),
    "mistral-head_dim": ("mistral", {"head_dim": 32}),
    "gemma": ("gemma", {}),                       # head_dim 256 default, tied
    "gemma2": ("gemma2", {"head_dim": 16}),
    "qwen3": ("qwen3", {"head_dim": 32}),
    "phi3-fused": ("phi3", {}),
    "qwen2_moe": ("qwen2_moe", dict(num_experts=4, num_experts_per_tok=2,
                                    moe_intermediate_size=32,
                                    shared_expert_intermediate_size=96)),
    "qwen2_moe-mixed": ("qwen2_moe", dict(num_experts=4, moe_intermediate_size=32,
                                          shared_expert_intermediate_size=96,
                                          decoder_sparse_step=2, mlp_only_layers=[0])),
    "qwen3_moe": ("qwen3_moe", dict(num_experts=4, moe_intermediate_size=32, head_dim=16)),
    "mixtral": ("mixtral", dict(num_local_experts=4, num_experts_per_tok=2)),
}


def _build(model_type, overrides):
    cfg = transformers.AutoConfig.for_model(model_type, **{**SMALL, **overrides})
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(cfg)
    # Through JSON, as it would come from a config.json file.
    return json.loads(cfg.to_json_string()), model


@pytest.mark.parametrize("case", sorted(CASES))
def test_param_count_exact(case):
    cfg, model = _build(*CASES[case])
    spec = ModelSpec.from_config(cfg)
    assert spec.params_total == sum(p.numel() for p in model.parameters())
    emb = model.get_input_embeddings().weight.numel()
    assert spec.params_embedding == emb
    assert spec.tied == (model.get_output_embeddings().weight is model.get_input_embeddings().weight)
    layers = model.model.layers
    assert spec.params_layers == sum(p.numel() for p in layers.parameters())
    assert spec.num_layers == len(layers)


@pytest.mark.parametrize("case", ["qwen2", "qwen2-tiny", "llama-bias", "gemma", "qwen2_moe",
                                  "phi3-fused"])
def test_linear_shapes_match_modules(case):
    cfg, model = _build(*CASES[case])
    spec = ModelSpec.from_config(cfg)
    found = {}
    for layer in model.model.layers:
        for name, mod in layer.named_modules():
            if isinstance(mod, torch.nn.Linear):
                found.setdefault(name, set()).add((mod.in_features, mod.out_features))
    assert set(found) == set(spec.linear_modules)
    for name, shapes in found.items():
        assert shapes == {spec.linear_modules[name]}


@pytest.mark.parametrize("case,rank,targets,dora", [
    ("qwen2", 8, "all-linear", False),
    ("qwen2-tiny", 16, ["q_proj", "v_proj"], False),
    ("llama-bias", 4, ["q_proj", "k_proj", "down_proj"], False),
    ("qwen2", 8, "all-linear", True),
    ("qwen2_moe", 8, "all-linear", False),
    ("qwen2_moe-mixed", 4, "all-linear", False),
    ("qwen2", 8, r".*\.layers\.[01]\.self_attn\.(q|k)_proj", False),
    ("gemma", 8, ["q_proj", "o_proj", "up_proj"], True),
])
def test_lora_trainable_matches_peft(case, rank, targets, dora):
    peft = pytest.importorskip("peft")
    cfg, model = _build(*CASES[case])
    spec = ModelSpec.from_config(cfg)
    lcfg = peft.LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=targets, use_dora=dora)
    trainable, _ = peft.get_peft_model(model, lcfg).get_nb_trainable_parameters()
    assert lora_trainable_params(spec, rank, targets, dora=dora) == trainable


def test_real_size_qwen25_7b():
    # Qwen2.5-7B-Instruct config.json (published); the model card says 7.61B parameters.
    cfg = {"model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944,
           "num_hidden_layers": 28, "num_attention_heads": 28, "num_key_value_heads": 4,
           "vocab_size": 152064, "tie_word_embeddings": False}
    spec = ModelSpec.from_config(cfg)
    assert spec.params_total == 7_615_616_512
    assert spec.head_dim == 128 and spec.kv_dim == 512
    assert lora_trainable_params(spec, 8, "all-linear") == 20_185_088


def test_missing_key_is_value_error():
    with pytest.raises(ValueError, match="hidden_size"):
        ModelSpec.from_config({"model_type": "llama", "num_hidden_layers": 2})


def test_load_model_config_dir_with_only_config(tmp_path):
    cfg = {"model_type": "qwen2", "hidden_size": 64, "intermediate_size": 128,
           "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
           "vocab_size": 2000}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    assert load_model_config(str(tmp_path)) == cfg
    assert load_model_config(str(tmp_path / "config.json")) == cfg
    with pytest.raises(FileNotFoundError):
        load_model_config(str(_empty(tmp_path)))  # a dir without config.json


def _empty(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    return d
