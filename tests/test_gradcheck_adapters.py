"""gradcheck adapters for the shapes course code has (bpcheck.gradcheck.forms), TOML alone."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from bpcheck.cli_gradcheck import main as gradcheck_main
from bpcheck.gradcheck import GradcheckError
from bpcheck.gradcheck.adapter import check_target, load_adapter

SHAPES = Path(__file__).resolve().parents[1] / "examples" / "shapes"
CASES = [("textbook_net", "Network", "textbook_returns"), ("textbook_net", "Network", "textbook_step"),
         ("plotting_script", "TinyNet", "plotting_script")]


def report(stem: str, name: str, adapter: str | Path):
    path = adapter if isinstance(adapter, Path) else SHAPES / f"{adapter}.toml"
    return check_target(f"{SHAPES / stem}.py:{name}", load_adapter(path))


def adapter_lines(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#"))


@pytest.mark.parametrize("stem,name,adapter", CASES)
def test_shipped_examples_pass_and_planted_bugs_fail(stem, name, adapter):
    assert adapter_lines(SHAPES / f"{adapter}.toml") <= 12
    assert report(stem, name, adapter).passed
    bad = report(f"{stem}_buggy", name, adapter)
    assert not bad.passed
    assert {r.name for r in bad.params if not r.passed} == (
        {"W", "b"} if stem == "plotting_script" else {"weights[0]", "biases[0]"})
    if stem == "textbook_net":  # the missing slope in the hidden layer gets a suspected cause
        assert any(r.suspected_cause for r in bad.params if r.name == "weights[0]")


@pytest.mark.parametrize("stem,name,adapter", CASES)
def test_cli_exit_codes(capsys, stem, name, adapter):
    args = ["--adapter", str(SHAPES / f"{adapter}.toml")]
    assert gradcheck_main([f"{SHAPES / stem}.py:{name}", *args]) == 0
    assert gradcheck_main([f"{SHAPES / stem}_buggy.py:{name}", *args]) == 1


def test_nested_returns_map_every_list_entry_to_its_parameter():
    rep = report("textbook_net", "Network", "textbook_returns")
    assert [r.name for r in rep.params] == ["biases[0]", "biases[1]", "weights[0]", "weights[1]"]
    assert [r.shape for r in rep.params] == [(4, 1), (2, 1), (4, 3), (2, 4)]
    assert all(r.finite_diff.max_abs_err < 1e-7 for r in rep.params)


def test_bad_returns_spec_is_a_one_line_error(tmp_path):
    text = (SHAPES / "textbook_returns.toml").read_text().replace(
        'returns = ["biases[*]", "weights[*]"]', 'returns = ["biases[*]", "weights[*]", "extra"]')
    (tmp_path / "a.toml").write_text(text)
    with pytest.raises(GradcheckError, match="returned 2 items"):
        report("textbook_net", "Network", tmp_path / "a.toml")


def _step_module(tmp_path, body: str) -> Path:
    (tmp_path / "m.py").write_text("import numpy as np\n" + body)
    return tmp_path / "m.py"


STEP_NET = '''
class Net:
    def __init__(self):
        self.params = {"W": np.arange(6.0).reshape(2, 3) / 7}
    def loss(self, x, y):
        return float(np.sum((x @ self.params["W"].T - y) ** 2))
    def step(self, x, y, lr):
        g = 2 * (x @ self.params["W"].T - y).T @ x
        self.params["W"] = self.params["W"] - lr * g * SCALE
'''


@pytest.mark.parametrize("scale,averaged,passes", [(1.0, False, True), (0.25, True, True), (1.0, True, False),
                                                    (0.5, False, False)])
def test_step_gradient_is_change_over_learning_rate(tmp_path, scale, averaged, passes):
    user = _step_module(tmp_path, f"SCALE = {scale}\n" + STEP_NET)
    adapter = tmp_path / "a.toml"
    adapter.write_text(f'''params = {{ names = ["params.W"] }}
[data]
samples = "rows"
x = {{ shape = [4, 3] }}
y = {{ shape = [4, 2] }}
[gradients]
step = "step"
args = ["x", "y", "eta"]
learning_rate = 0.01
averaged = {str(averaged).lower()}
''')
    rep = check_target(f"{user}:Net", load_adapter(adapter))
    assert rep.passed is passes


def test_step_restores_the_original_arrays_even_when_rebound():
    import importlib.util
    spec = importlib.util.spec_from_file_location("tb", SHAPES / "textbook_net.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from bpcheck.gradcheck.forms import batch_pairs, step_gradients
    net = mod.Network([3, 4, 2])
    originals = list(net.weights)
    values = [w.copy() for w in originals]
    x, y = np.random.default_rng(0).standard_normal((3, 2)), np.ones((2, 2))
    names = ["weights[0]", "weights[1]", "biases[0]", "biases[1]"]
    grads = step_gradients(lambda: net.update_mini_batch(batch_pairs(x, y, "columns"), 0.5), names, net,
                           0.5, 2.0)()
    assert all(a is b for a, b in zip(net.weights, originals))
    assert all(np.array_equal(a, v) for a, v in zip(net.weights, values))
    gb, gw = net.backprop(x[:, [0]], y[:, [0]])
    gb2, gw2 = net.backprop(x[:, [1]], y[:, [1]])
    assert np.allclose(grads["weights[0]"], gw[0] + gw2[0])


@pytest.mark.parametrize("lr", ["0", "-1", "true"])
def test_step_needs_a_positive_learning_rate(tmp_path, lr):
    text = (SHAPES / "plotting_script.toml").read_text().replace("learning_rate = 0.1", f"learning_rate = {lr}")
    (tmp_path / "a.toml").write_text(text)
    with pytest.raises(GradcheckError, match="learning_rate"):
        report("plotting_script", "TinyNet", tmp_path / "a.toml")


def test_named_keyword_values_resolve_to_module_attributes(tmp_path):
    base = (SHAPES / "textbook_returns.toml").read_text()
    for cost, loss_differs in (("CrossEntropyCost", True), ("SquaredCost", False)):
        (tmp_path / "a.toml").write_text(base.replace('"CrossEntropyCost"', f'"{cost}"'))
        rep = report("textbook_net", "Network", tmp_path / "a.toml")
        assert rep.passed and (abs(rep.loss - 1.33618) < 1e-4) is loss_differs
    for bad in ('"NoSuchCost"', '"__import__(\'os\')"'):
        (tmp_path / "a.toml").write_text(base.replace('"CrossEntropyCost"', bad))
        with pytest.raises(GradcheckError, match="name|no "):
            report("textbook_net", "Network", tmp_path / "a.toml")


def test_stubs_are_removed_after_import_and_numpy_load_restored():
    load = np.load
    report("plotting_script", "TinyNet", "plotting_script")
    assert np.load is load and "tqdm" not in sys.modules and "matplotlib" not in sys.modules


def test_without_stubs_the_import_error_is_one_line(capsys, tmp_path):
    text = (SHAPES / "plotting_script.toml").read_text().replace('"tqdm", ', "")
    (tmp_path / "a.toml").write_text(text)
    code = gradcheck_main([f"{SHAPES / 'plotting_script.py'}:TinyNet", "--adapter", str(tmp_path / "a.toml")])
    err = capsys.readouterr().err
    assert code == 2 and "tqdm" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("stub", ['["os.path.no_such_function_here"]', '["1bad"]', '[3]'])
def test_stub_names_are_checked_or_stubbed_as_modules(tmp_path, stub):
    text = (SHAPES / "plotting_script.toml").read_text().replace(
        'stub = ["tqdm", "matplotlib", "numpy.load"]', f'stub = ["tqdm", "matplotlib", "numpy.load"] + {stub}')
    if "+" in text:  # TOML has no list concatenation: write the list out
        text = text.replace('"numpy.load"] + [', '"numpy.load", ').replace("]]", "]")
    (tmp_path / "a.toml").write_text(text)
    if stub.startswith('["os'):
        assert report("plotting_script", "TinyNet", tmp_path / "a.toml").passed
        assert "os.path.no_such_function_here" not in sys.modules
    else:
        with pytest.raises(GradcheckError, match="stub"):
            report("plotting_script", "TinyNet", tmp_path / "a.toml")
