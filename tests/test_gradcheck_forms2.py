"""gradcheck on course code as it is, part 2: notebooks, scripts run for their definitions only,
gradients read from an optimizer or the layers after a call, and a loss taken from the declared
architecture or from a function of the module (TOML alone, no Python shim)."""
from __future__ import annotations

import ast
import builtins
import json
from pathlib import Path

import numpy as np
import pytest

from bpcheck.cli_gradcheck import main as gradcheck_main
from bpcheck.gradcheck import GradcheckError
from bpcheck.gradcheck.adapter import check_target, load_adapter
from bpcheck.gradcheck.source import split_definitions

SHAPES = Path(__file__).resolve().parents[1] / "examples" / "shapes"
# file stem, suffix, name, adapter, the parameters the planted bug breaks, the hint's cause code
CASES = [
    ("optimizer_net", ".py", "SoftmaxClassifier", "optimizer_net", {"params.W1"}, "transposed:"),
    ("training_script", ".py", "XorNet", "training_script", {"W1", "b1"}, "missing-derivative:"),
    ("layers_notebook", ".ipynb", "Network", "layers_notebook", {"layers[0].W", "layers[0].b"},
     "wrong-derivative:"),
]


def check(target: str | Path, adapter: str | Path, name: str):
    path = adapter if isinstance(adapter, Path) else SHAPES / f"{adapter}.toml"
    return check_target(f"{target}:{name}", load_adapter(path))


def adapter_lines(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#"))


@pytest.mark.parametrize("stem,suffix,name,adapter,broken,code", CASES)
def test_shipped_examples_by_api(stem, suffix, name, adapter, broken, code):
    assert adapter_lines(SHAPES / f"{adapter}.toml") <= 12
    good = check(SHAPES / f"{stem}{suffix}", adapter, name)
    assert good.passed and all(p.finite_diff.max_abs_err < 1e-7 for p in good.params)
    bad = check(SHAPES / f"{stem}_buggy{suffix}", adapter, name)
    assert set(bad.failed) == broken
    assert all(bad[n].suspected_cause.startswith(code) for n in broken)


@pytest.mark.parametrize("stem,suffix,name,adapter,broken,code", CASES)
def test_shipped_examples_by_cli(capsys, stem, suffix, name, adapter, broken, code):
    args = ["--adapter", str(SHAPES / f"{adapter}.toml"), "--format", "json"]
    assert gradcheck_main([f"{SHAPES / stem}{suffix}:{name}", *args]) == 0
    capsys.readouterr()
    assert gradcheck_main([f"{SHAPES / stem}_buggy{suffix}:{name}", *args]) == 1
    out = json.loads(capsys.readouterr().out)
    failing = [p for p in out["params"] if not p["passed"]]
    assert {p["name"] for p in failing} == broken
    assert all(p["suspected_cause"].startswith(code) for p in failing)


def _cli_error(capsys, target: str, adapter: Path) -> str:
    assert gradcheck_main([target, "--adapter", str(adapter)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    return err


def _edited(tmp_path: Path, adapter: str, old: str, new: str) -> Path:
    text = (SHAPES / f"{adapter}.toml").read_text()
    assert old in text
    (tmp_path / "a.toml").write_text(text.replace(old, new))
    return tmp_path / "a.toml"


# ------------------------------------------------------------------------------------ notebooks


def _notebook(tmp_path: Path, *cells: str | tuple[str, list[str]], name: str = "nb") -> Path:
    def cell(c):
        source, tags = (c, []) if isinstance(c, str) else c
        if source.startswith("md:"):
            return {"cell_type": "markdown", "metadata": {}, "source": source[3:]}
        return {"cell_type": "code", "metadata": {"tags": tags}, "outputs": [], "execution_count": None,
                "source": source.splitlines(True)}
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps({"cells": [cell(c) for c in cells], "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


LINEAR = '''class Linear:
    def __init__(self):
        self.W = np.arange(6.0).reshape(2, 3) / 5
    def loss(self, x, y):
        return 0.5 * float(np.sum((self.W @ x - y) ** 2))
    def backward(self, x, y):
        return {"W": SIGN * (self.W @ x - y) @ x.T}
'''
LINEAR_TOML = 'params = { names = ["W"] }\ndata = { x = { shape = [3, 4] }, y = { shape = [2, 4] } }\n'


def _linear_adapter(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "a.toml").write_text(LINEAR_TOML + extra)
    return tmp_path / "a.toml"


def test_notebook_error_names_the_cell_exit_2(capsys, tmp_path):
    adapter = _edited(tmp_path, "layers_notebook", "notebook = { skip_cells = [3] }\n", "")
    err = _cli_error(capsys, f"{SHAPES / 'layers_notebook.ipynb'}:Network", adapter)
    assert "layers_notebook.ipynb cell 3: " in err and "lab_helpers" in err


def test_magics_and_shell_lines_are_never_run(tmp_path):
    marker = tmp_path / "ran"
    nb = _notebook(tmp_path, "md:# title", f"%matplotlib inline\n!touch {marker}\nimport numpy as np\nSIGN = 1",
                   f"%%bash\ntouch {marker}", LINEAR)
    rep = check(nb, _linear_adapter(tmp_path), "Linear")
    assert rep.passed and not marker.exists()
    assert any("cell 3 (cell magic %%bash)" in n for n in rep.notes)


def test_cells_that_train_are_skipped_and_listed(tmp_path):
    nb = _notebook(tmp_path, "import numpy as np\nSIGN = 1", LINEAR,
                   "net = Linear()\nfor i in range(3):\n    net.W -= 1\nraise SystemExit('trained')",
                   "input('press enter')")
    rep = check(nb, _linear_adapter(tmp_path), "Linear")
    assert rep.passed
    skipped = rep.notes[0]
    assert "skipped 4" in skipped and "cell 3 line 2 (for loop)" in skipped and "input()" in skipped


@pytest.mark.parametrize("how", ["skip_cells", "tag", "marker"])
def test_a_cell_can_be_skipped_by_number_tag_or_marker(tmp_path, how):
    wrong = "SIGN = -1"  # a definition the author does not want: it would make the check fail
    cell = {"skip_cells": wrong, "tag": (wrong, ["bpcheck-skip"]), "marker": "# bpcheck: skip\n" + wrong}[how]
    nb = _notebook(tmp_path, "import numpy as np\nSIGN = 1", LINEAR, cell)
    extra = "notebook = { skip_cells = [3] }\n" if how == "skip_cells" else ""
    assert check(nb, _linear_adapter(tmp_path, extra), "Linear").passed
    assert not check(_notebook(tmp_path, "import numpy as np\nSIGN = 1", LINEAR, wrong, name="plain"),
                     _linear_adapter(tmp_path), "Linear").passed


@pytest.mark.parametrize("how", ["run_cells", "tag", "marker"])
def test_a_cell_can_be_run_whole(tmp_path, how):
    calls = "SIGN = int(np.sign(1.0))"  # a call: not run by the definitions rule
    cell = {"run_cells": calls, "tag": (calls, ["bpcheck-run"]), "marker": "# bpcheck: run\n" + calls}[how]
    nb = _notebook(tmp_path, "import numpy as np", cell, LINEAR)
    extra = "notebook = { run_cells = [2] }\n" if how == "run_cells" else ""
    assert check(nb, _linear_adapter(tmp_path, extra), "Linear").passed


def test_a_name_left_to_a_skipped_statement_is_explained(tmp_path):
    nb = _notebook(tmp_path, "import numpy as np\nSIGN = int(np.sign(1.0))", LINEAR)
    with pytest.raises(GradcheckError, match=r"'SIGN' is set by a skipped statement \(cell 1 line 2\)"):
        check(nb, _linear_adapter(tmp_path), "Linear")
    nb = _notebook(tmp_path, "import numpy as np\nLinear = type('Linear', (), {})", name="nb2")
    with pytest.raises(GradcheckError, match=r"only in a statement that was not run \(cell 1 line 2"):
        check(nb, _linear_adapter(tmp_path), "Linear")


@pytest.mark.parametrize("bad,match", [("1 +", "nb.ipynb cell 2: syntax error at line 1"),
                                       ("x = 1 / 0", "nb.ipynb cell 2: ZeroDivisionError")])
def test_a_broken_cell_is_a_one_line_error_naming_it(capsys, tmp_path, bad, match):
    nb = _notebook(tmp_path, "import numpy as np", ("# bpcheck: run\n" + bad) if "/" in bad else bad, LINEAR)
    err = _cli_error(capsys, f"{nb}:Linear", _linear_adapter(tmp_path))
    assert match in err


@pytest.mark.parametrize("cells,match", [("[9]", "cells 1 to 3"), ("[1]", "not a code cell"),
                                         ('["2"]', "list|holds")])
def test_bad_cell_numbers_are_refused(tmp_path, cells, match):
    nb = _notebook(tmp_path, "md:# title", "import numpy as np\nSIGN = 1", LINEAR)
    with pytest.raises(GradcheckError, match=match):
        check(nb, _linear_adapter(tmp_path, f"notebook = {{ skip_cells = {cells} }}\n"), "Linear")


def test_unreadable_notebook_and_notebook_section_for_a_py_file(tmp_path):
    (tmp_path / "nb.ipynb").write_text("{not json")
    with pytest.raises(GradcheckError, match="not a readable notebook"):
        check(tmp_path / "nb.ipynb", _linear_adapter(tmp_path), "Linear")
    (tmp_path / "m.py").write_text("import numpy as np\nSIGN = 1\n" + LINEAR)
    with pytest.raises(GradcheckError, match=r"\[notebook\] is for a .ipynb"):
        check(tmp_path / "m.py", _linear_adapter(tmp_path, "notebook = { skip_cells = [1] }\n"), "Linear")


# -------------------------------------------------------------------------- scripts: definitions


def _kept(source: str) -> list[int]:
    kept, _ = split_definitions(ast.parse(source).body, set())
    return [s.lineno for s in kept]


def test_definitions_rule():
    src = """import numpy as np
from os import path as p
N = 3
SIZES = [N, 2 * N, {"a": np.pi}]
f = lambda z: np.tanh(z)
data = np.load("x.npz")
X = data["x"]
Y = N if N > 2 else 0
try:
    import cupy as xp
except ImportError:
    import numpy as xp
if __name__ == "__main__":
    main()
for i in range(3):
    pass
net.W = 1
total += 1
print(N)
def g(): return np.load("y")
class C: pass
Z = [i for i in range(3)]
'''docstring-like constant'''
"""
    assert _kept(src) == [1, 2, 3, 4, 5, 8, 9, 20, 21, 23]
    assert _kept("from helpers import *\nA = B + 1\n") == [1, 2]  # a star import may define B


def test_script_with_input_loop_runs_only_its_definitions(monkeypatch):
    monkeypatch.setattr(builtins, "input", lambda *a: pytest.fail("input() was called"))
    rep = check(SHAPES / "training_script.py", "training_script", "XorNet")
    assert rep.passed
    note = rep.notes[0]
    assert "skipped 5" in note and "np.loadtxt()" in note and "for loop" in note and "while loop" in note


def test_script_imported_whole_is_a_one_line_error(capsys, tmp_path):
    adapter = _edited(tmp_path, "training_script", 'module = { run = "definitions" }\n', "")
    err = _cli_error(capsys, f"{SHAPES / 'training_script.py'}:XorNet", adapter)
    assert "xor.csv" in err and "line 39" in err


def test_definitions_combine_with_stubs(tmp_path):
    (tmp_path / "s.py").write_text("import numpy as np\nfrom tqdm import tqdm\nSIGN = 1\n" + LINEAR
                                   + "for _ in tqdm(range(10)):\n    pass\nif __name__ == '__main__':\n"
                                   "    Linear().W[:] = 0\n")
    adapter = _linear_adapter(tmp_path, 'module = { run = "definitions", stub = ["tqdm"] }\n')
    assert check(tmp_path / "s.py", adapter, "Linear").passed
    with pytest.raises(GradcheckError, match="tqdm"):
        check(tmp_path / "s.py", _linear_adapter(tmp_path, 'module = { run = "definitions" }\n'), "Linear")
    with pytest.raises(GradcheckError, match="run = 'everything'"):
        load_adapter(_linear_adapter(tmp_path, 'module = { run = "everything" }\n'))


def test_skipped_global_used_later_is_explained(tmp_path):
    (tmp_path / "s.py").write_text("import numpy as np\nSIGN = int(np.sign(2.0))\n" + LINEAR)
    with pytest.raises(GradcheckError, match=r"'SIGN' is set by a skipped statement \(line 2\)"):
        check(tmp_path / "s.py", _linear_adapter(tmp_path, 'module = { run = "definitions" }\n'), "Linear")


# ----------------------------------------------------------------- gradients read after a call


def test_read_paths_follow_dict_keys_and_every_list_entry():
    rep = check(SHAPES / "optimizer_net.py", "optimizer_net", "SoftmaxClassifier")
    assert [p.name for p in rep.params] == ["params.W1", "params.b1", "params.W2", "params.b2"]
    rep = check(SHAPES / "layers_notebook.ipynb", "layers_notebook", "Network")
    assert [p.name for p in rep.params] == ["layers[0].W", "layers[1].W", "layers[0].b", "layers[1].b"]
    assert [p.shape for p in rep.params] == [(3, 5), (5, 2), (5,), (2,)]


@pytest.mark.parametrize("old,new,match", [
    ('"optimizer.grads[b2]"]', '"optimizer.grads[c2]"]', r"after .*nothing at 'optimizer.grads\[c2\]'"),
    (', "optimizer.grads[b2]"]', "]", "read gives 3 paths"),
    ('method = "backward"', 'returns = "list"', "read replaces returns"),
])
def test_bad_read_paths_are_one_line_errors(tmp_path, old, new, match):
    adapter = _edited(tmp_path, "optimizer_net", old, new)
    with pytest.raises(GradcheckError, match=match):
        check(SHAPES / "optimizer_net.py", adapter, "SoftmaxClassifier")


def test_read_in_the_function_form_starts_at_the_module(tmp_path):
    source = '''import numpy as np
RECORD = {}
def loss(params, x, y):
    return 0.5 * float(np.sum((params["W"] @ x - y) ** 2))
def backward(params, x, y):
    RECORD["dW"] = SCALE * (params["W"] @ x - y) @ x.T
'''
    (tmp_path / "a.toml").write_text(
        'params = { names = ["W"], init = { W = { shape = [2, 3] } } }\nloss = { function = "loss" }\n'
        'data = { x = { shape = [3, 4] }, y = { shape = [2, 4] } }\ngradients = { read = ["RECORD[dW]"] }\n')
    for scale, passes in (("1.0", True), ("2.0", False)):
        (tmp_path / "f.py").write_text(source.replace("SCALE", scale))
        assert check(tmp_path / "f.py", tmp_path / "a.toml", "backward").passed is passes


# ------------------------------------------------------------------------- where the loss comes from


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_architecture_loss_is_the_declared_networks_loss_of_the_users_arrays():
    """An independent oracle: the XOR net's half squared error written out here."""
    rep = check(SHAPES / "training_script.py", "training_script", "XorNet")
    rng = np.random.default_rng(0)  # [data] seed 0: x then y, as the adapter draws them
    x, y = rng.standard_normal((2, 4)), rng.uniform(0.0, 1.0, (1, 4))
    r = np.random.default_rng(3)  # XorNet's own seed
    W1, W2 = r.uniform(-1, 1, (4, 2)), r.uniform(-1, 1, (1, 4))
    out = _sigmoid(W2 @ _sigmoid(W1 @ x))
    assert rep.loss == pytest.approx(0.5 * np.sum((out - y) ** 2), rel=1e-12)


@pytest.mark.parametrize("old,new,match", [
    ('loss = "architecture"', 'loss = "mine"', "only source"),
    ('W2 = "W[2]", b2 = "b[2]"', 'W2 = "W[2]"', "missing: b2"),
])
def test_architecture_loss_errors(tmp_path, old, new, match):
    adapter = _edited(tmp_path, "training_script", old, new)
    with pytest.raises(GradcheckError, match=match):
        check(SHAPES / "training_script.py", adapter, "XorNet")


def test_architecture_loss_needs_an_architecture(tmp_path):
    text = (SHAPES / "training_script.toml").read_text().split("[architecture]")[0]
    (tmp_path / "a.toml").write_text(text)
    with pytest.raises(GradcheckError, match=r"needs an \[architecture\]"):
        load_adapter(tmp_path / "a.toml")


def test_architecture_loss_in_the_function_form(tmp_path):
    (tmp_path / "f.py").write_text('''import numpy as np
def grads(params, x, y):
    a = 1 / (1 + np.exp(-(params["W"] @ x)))
    return {"W": ((a - y) * a * (1 - a)) @ x.T * FACTOR}
''')
    toml = ('loss = "architecture"\nparams = { names = ["W"], init = { W = { shape = [2, 3] } } }\n'
            'data = { x = { shape = [3, 4] }, y = { shape = [2, 4] } }\n[architecture]\nwidths = [3, 2]\n'
            'activations = ["sigmoid"]\nloss = "mse_half"\nmapping = { W = "W[1]" }\n')
    (tmp_path / "a.toml").write_text(toml)
    source = (tmp_path / "f.py").read_text()
    for factor, passes in (("1", True), ("2", False)):
        (tmp_path / "f.py").write_text(source.replace("FACTOR", factor))
        assert check(tmp_path / "f.py", tmp_path / "a.toml", "grads").passed is passes


def test_loss_function_of_the_module_takes_the_model_by_default(tmp_path):
    (tmp_path / "m.py").write_text("import numpy as np\nSIGN = 1\n" + LINEAR.replace("def loss", "def _unused")
                                   + "\ndef half_squares(model, x, y):\n"
                                     "    return 0.5 * float(np.sum((model.W @ x - y) ** 2))\n")
    adapter = _linear_adapter(tmp_path, 'loss = { function = "half_squares" }\n')
    assert check(tmp_path / "m.py", adapter, "Linear").passed
    (tmp_path / "m.py").write_text((tmp_path / "m.py").read_text().replace("0.5 * float", "float"))
    assert not check(tmp_path / "m.py", adapter, "Linear").passed
