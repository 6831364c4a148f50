"""Built-in rewards by ms-swift's names (accuracy through math-verify, format, cosine, repetition, soft_overlong),
plugin loading and its one-line errors; no training."""
from __future__ import annotations

import pytest

from swift_cli.engine.rl import plugins, rewards
from swift_cli.options.rl import RlArgs


def _msg(text):
    return [{"role": "assistant", "content": text}]


def test_accuracy_uses_math_verify():
    fn = rewards.builtin("accuracy", RlArgs())
    out = fn([_msg(r"so \boxed{\frac{1}{2}}"), _msg(r"\boxed{0.5}"), _msg(r"\boxed{3}"), r"The answer is \boxed{7}."],
             solution=["$0.5$", r"$\frac12$", "$4$", "7"])
    assert out == [1.0, 1.0, 0.0, 1.0]


def test_format_is_think_then_answer():
    fn = rewards.builtin("format", RlArgs())
    assert fn([_msg("<think>a</think>\n<answer>b</answer>"), _msg("<answer>b</answer>"),
               _msg("<think>a</think><answer>b</answer> trailing")]) == [1.0, 0.0, 0.0]


def test_length_rewards_take_ms_swift_parameters():
    rl = RlArgs(max_completion_length=100, soft_cache_length=20, repetition_n_grams=2)
    assert rewards.builtin("soft_overlong", rl)([_msg("")], completion_ids=[[1] * 90]) == [-0.5]
    assert rewards.builtin("repetition", rl)([_msg("")], completion_ids=[[5, 5, 5, 5, 5]]) == [-0.75]
    cosine = rewards.builtin("cosine", rl)
    short_right, long_wrong = cosine([_msg(r"\boxed{2}"), _msg(r"\boxed{3}")], solution=["2", "2"],
                                     completion_ids=[[1], [1] * 100])
    assert short_right == pytest.approx(1.0, abs=1e-3) and long_wrong == pytest.approx(0.0, abs=1e-6)
    assert [f.__name__ for f in plugins.resolve(["cosine", "repetition"], rl, [])] == ["cosine", "repetition"]


def test_plugin_functions_get_text_and_row_columns(tmp_path):
    plugin = tmp_path / "p.py"
    plugin.write_text("def has_word(completions, word):\n    return [float(w in c) for c, w in "
                      "zip(completions, word)]\n\nclass Length:\n    def __call__(self, completions, **kw):\n"
                      "        return [len(c) for c in completions]\n\norms = {'length': Length}\n")
    has_word, length = plugins.resolve(["has_word", "length"], RlArgs(), [str(plugin)])
    assert has_word([_msg("hello there"), _msg("bye")], word=["hello", "hello"], trainer_state=None) == [1.0, 0.0]
    assert length([_msg("abc")]) == [3.0]


@pytest.mark.parametrize("source, names, message", [
    ("import swift.no_such_module\n", ["x"], "importing it failed: ModuleNotFoundError"),
    ("def f(completions, **kw):\n    return 1.0\n", ["f"], "must return a list of numbers"),
    ("def f(completions, **kw):\n    return [1.0, 2.0]\n", ["f"], "returned 2 value(s) for 1 completion(s)"),
    ("def f(completions, **kw):\n    return [float('nan')]\n", ["f"], "NaN or infinite"),
])
def test_bad_plugins_give_one_line(tmp_path, source, names, message):
    plugin = tmp_path / "bad.py"
    plugin.write_text(source)
    with pytest.raises(plugins.PluginError) as err:
        funcs = plugins.resolve(names, RlArgs(), [str(plugin)])
        plugins.probe(funcs, {"prompt": [{"role": "user", "content": "q"}]})
    assert message in str(err.value) and "bad.py" in str(err.value) and "\n" not in str(err.value)


def test_missing_column_for_accuracy_is_named():
    funcs = plugins.resolve(["accuracy"], RlArgs(), [])
    with pytest.raises(plugins.UsageError, match="needs a 'solution' column"):
        plugins.probe(funcs, {"prompt": [{"role": "user", "content": "q"}]})
