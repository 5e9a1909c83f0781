"""gradcheck: a course's own NumPy backprop, checked against finite differences and the reference."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bpcheck.cli_gradcheck import main as gradcheck_main
from bpcheck.gradcheck import Architecture, GradcheckError, gradcheck, gradcheck_arrays

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ADAPTER = str(EXAMPLES / "course_net.toml")
NAMES = ["W1", "b1", "W2", "b2", "W3", "b3"]


def load_example(stem: str):
    spec = importlib.util.spec_from_file_location(f"example_{stem}", EXAMPLES / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course_net = load_example("course_net")
course_net_buggy = load_example("course_net_buggy")


def data(batch: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((2, batch)), rng.uniform(0.0, 1.0, (1, batch))


def architecture(x, y, activations=("sigmoid",) * 3) -> Architecture:
    return Architecture((2, 3, 3, 1), activations, "mse_half", x, y, {n: f"{n[0]}[{n[1]}]" for n in NAMES})


def check(model, x, y, arch=True, **kw):
    return gradcheck(model, NAMES, lambda m: m.loss(x, y), lambda m: m.backward(x, y),
                     architecture=architecture(x, y) if arch else None, **kw)


# --- correct code --------------------------------------------------------------------------


def test_correct_course_net_passes_and_params_are_restored():
    x, y = data()
    net = course_net.CourseNet(seed=0)
    before = {n: getattr(net, n) for n in NAMES}
    copies = {n: a.copy() for n, a in before.items()}
    report = check(net, x, y)
    assert report.passed and report.failed == ()
    assert all(p.max_rel_err < 1e-6 and p.reference.passed for p in report.params)
    assert abs(report.reference_loss - report.loss) < 1e-12
    assert report["b2"].finite_diff.worst[0].abs_err < 1e-9
    for n in NAMES:  # the very same arrays, bit for bit
        assert getattr(net, n) is before[n] and np.array_equal(before[n], copies[n])


def test_backward_that_also_updates_is_restored_and_noted():
    class UpdatingNet(course_net.CourseNet):
        def backward(self, X, Y):
            grads = super().backward(X, Y)
            self.W1 -= 0.1 * grads["W1"]  # a train step hidden in backward
            return grads

    x, y = data()
    report = check(UpdatingNet(seed=0), x, y)
    assert report.passed
    assert any("changed W1 in place" in n for n in report.notes)


# --- planted bugs --------------------------------------------------------------------------


def buggy(transform_name: str, transform):
    class Buggy(course_net.CourseNet):
        def backward(self, X, Y):
            grads = super().backward(X, Y)
            grads[transform_name] = transform(grads[transform_name])
            return grads

    return Buggy(seed=0)


BUGS = {
    "transposed square W2": ("W2", lambda g: g.T, "transposed"),
    "transposed W1 (shape swapped)": ("W1", lambda g: g.T, "transposed"),
    "flipped sign": ("W3", lambda g: -g, "flipped sign"),
    "factor of 2": ("b1", lambda g: 2 * g, "factor of 2"),
    "factor of 1/2": ("W2", lambda g: 0.5 * g, "factor of 1/2"),
    "mean instead of sum": ("W1", lambda g: g / 4, "constant factor 0.25"),
    "never computed": ("b3", np.zeros_like, "all zeros"),
}


@pytest.mark.parametrize("arch", [True, False], ids=["with-architecture", "fd-only"])
@pytest.mark.parametrize("bug", list(BUGS))
def test_planted_bug_is_caught_named_and_explained(bug, arch):
    name, transform, cause = BUGS[bug]
    x, y = data()
    report = check(buggy(name, transform), x, y, arch=arch)
    assert not report.passed and report.failed == (name,)
    result = report[name]
    assert cause in result.suspected_cause
    assert result.max_rel_err > 0.1
    assert result.worst or "shape swapped" in bug  # entries with both values, unless shapes differ
    assert name in report.format_text() and "FAIL" in report.format_text()


def test_missing_activation_derivative_in_bias_gradient_is_named():
    x, y = data()
    report = check(course_net_buggy.CourseNet(seed=0), x, y)
    assert report.failed == ("b2",)
    assert "missing activation derivative" in report["b2"].suspected_cause
    assert "sigmoid'(z[2])" in report["b2"].suspected_cause
    assert not report["b2"].reference.passed and not report["b2"].finite_diff.passed
    # Without the architecture, one sample still shows the entrywise sigma' factor.
    x1, y1 = data(batch=1)
    hint = check(course_net_buggy.CourseNet(seed=0), x1, y1, arch=False)
    assert hint.failed == ("b2",) and "possibly a missing activation derivative" in hint["b2"].suspected_cause


def test_wrong_declaration_is_reported_not_blamed_on_the_code():
    x, y = data()
    report = gradcheck(course_net.CourseNet(seed=0), NAMES, lambda m: m.loss(x, y),
                       lambda m: m.backward(x, y), architecture=architecture(x, y, ("tanh",) * 3))
    assert not report.passed
    assert all(p.finite_diff.passed for p in report.params)
    assert any("does not describe this model" in n for n in report.notes)
    assert "differs from the declared architecture" in report.params[0].suspected_cause


# --- the pure-function form ------------------------------------------------------------------


def row_major_net():
    """A rows-are-samples net: Z = X @ W + b, softmax, cross-entropy averaged over the batch."""
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((6, 3)), np.eye(4)[rng.integers(4, size=6)]
    params = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}

    def probs(p):
        Z = X @ p["W"] + p["b"]
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    def loss(p):
        return -np.sum(Y * np.log(probs(p))) / len(X)

    def grads(p):
        D = (probs(p) - Y) / len(X)
        return [X.T @ D, D.sum(axis=0)]

    arch = Architecture((3, 4), ("softmax",), "cross_entropy", X.T, Y.T, {"W": "W[1].T", "b": "b[1]"}, "mean")
    return loss, params, grads, arch


def test_function_form_with_transposed_layout_and_reference():
    loss, params, grads, arch = row_major_net()
    report = gradcheck_arrays(loss, params, grads, architecture=arch)
    assert report.passed and report["W"].reference.max_rel_err < 1e-12
    wrong = gradcheck_arrays(loss, params, lambda p: [grads(p)[0], -grads(p)[1]])
    assert wrong.failed == ("b",) and "flipped sign" in wrong["b"].suspected_cause


def test_max_entries_samples_a_seeded_subset():
    loss, params, grads, _ = row_major_net()
    calls = []

    def counting_loss(p):
        calls.append(1)
        return loss(p)

    report = gradcheck_arrays(counting_loss, params, grads, max_entries=5, seed=3)
    assert report.passed and len(calls) == 2 + 2 * (5 + 4)  # 2 warm-up calls, W: 5 of 12, b: all 4
    again = gradcheck_arrays(loss, params, grads, max_entries=5, seed=3)
    assert again["W"].finite_diff.worst == report["W"].finite_diff.worst


# --- unusable user code: clear errors, never a wrong verdict -------------------------------------


def failing(**overrides):
    class Net(course_net.CourseNet):
        pass

    for k, v in overrides.items():
        setattr(Net, k, v)
    return Net(seed=0)


def _index_error(self, X, Y):
    return {"W1": np.zeros(3)[5]}


def _flat_b1(self, X, Y):  # the classic: db summed without keepdims
    return {**course_net.CourseNet.backward(self, X, Y), "b1": np.zeros(3)}


def _no_W3(self, X, Y):
    return {k: v for k, v in course_net.CourseNet.backward(self, X, Y).items() if k != "W3"}


_calls = itertools.count()


def _drifting_loss(self, X, Y):  # like dropout: a different value on every call
    return course_net.CourseNet.loss(self, X, Y) + 1e-3 * next(_calls)


ERRORS = {
    "backward raises": (dict(backward=_index_error), r"backward raised IndexError: .*test_gradcheck.py:\d+"),
    "loss raises": (dict(loss=lambda self, X, Y: 1 / 0), r"loss raised ZeroDivisionError"),
    "loss not scalar": (dict(loss=lambda self, X, Y: self.forward(X)),
                        r"loss returned an array of shape \(1, 4\)"),
    "bias gradient not keepdims": (dict(backward=_flat_b1),
                                   r"shape \(3,\) for 'b1', but the parameter has shape \(3, 1\)"),
    "missing gradient": (dict(backward=_no_W3), r"no gradient for 'W3'"),
    "list too short": (dict(backward=lambda self, X, Y: [np.zeros((3, 2))]),
                       r"returned 1 gradients for 6 parameters"),
    "returns None": (dict(backward=lambda self, X, Y: None), r"returned NoneType; expected a dict"),
    "nondeterministic loss": (dict(loss=_drifting_loss), r"different value on a second call"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_unusable_user_code_gets_a_clear_error(case):
    overrides, message = ERRORS[case]
    x, y = data()
    with pytest.raises(GradcheckError, match=message):
        check(failing(**overrides), x, y)


def test_unusable_parameters_get_a_clear_error():
    x, y = data()
    net = course_net.CourseNet(seed=0)
    with pytest.raises(GradcheckError, match="parameter 'W9' not found"):
        gradcheck(net, ["W9"], lambda m: m.loss(x, y), lambda m: m.backward(x, y))
    with pytest.raises(GradcheckError, match="a list of names"):
        gradcheck(net, "W1", lambda m: m.loss(x, y), lambda m: m.backward(x, y))
    net.W1 = net.W1.astype(np.float32)
    with pytest.raises(GradcheckError, match="'W1' has dtype float32"):
        check(net, x, y)
    arch = Architecture((2, 3, 3, 1), ("sigmoid",) * 3, "mse_half", x, y, {"W1": "W[1].T"})
    with pytest.raises(GradcheckError, match=r"'W1' has shape \(3, 2\), but W\[1\].T needs \(2, 3\) "
                                             r"\(W\[1\] is 3x2\); map it as W\[1\]\?"):
        gradcheck(course_net.CourseNet(seed=0), NAMES, lambda m: m.loss(x, y), lambda m: m.backward(x, y),
                  architecture=arch)


# --- the command line ----------------------------------------------------------------------------


def cli(capsys, *argv):
    code = gradcheck_main([*argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_cli_exit_codes_and_output(capsys):
    code, out, _ = cli(capsys, f"{EXAMPLES / 'course_net.py'}:CourseNet", "--adapter", ADAPTER)
    assert code == 0 and "PASS: all 6" in out
    code, out, _ = cli(capsys, f"{EXAMPLES / 'course_net_buggy.py'}:CourseNet", "--adapter", ADAPTER)
    assert code == 1 and "FAIL: 1 of 6" in out and "(b2)" in out and "missing activation derivative" in out
    code, out, _ = cli(capsys, f"{EXAMPLES / 'course_net_buggy.py'}:CourseNet", "--adapter", ADAPTER,
                       "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["failed"] == ["b2"] and doc["params"][3]["reference"]["passed"] is False


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


BAD_ADAPTERS = {
    "not toml": ("[model\n", "not valid TOML"),
    "unknown key": ('[params]\nnames = ["W1"]\n[loss]\nmethd = "loss"\n',
                    r"unknown key\(s\) \['methd'\] in \[loss\]"),
    "no names": ("[model]\n", r"\[params\] names"),
    "names not a list": ('[params]\nnames = "W1"\n', r"\[params\] names should be a list"),
    "bad returns": ('[params]\nnames = ["W1"]\n[data]\nx = [1.0, 2.0]\ny = [0.5]\n'
                    '[gradients]\nreturns = "set"\n', "returns must be dict, list or attributes"),
}


@pytest.mark.parametrize("case", list(BAD_ADAPTERS))
def test_cli_bad_adapter_exits_2(capsys, tmp_path, case):
    text, message = BAD_ADAPTERS[case]
    adapter = write(tmp_path, "a.toml", text)
    code, _, err = cli(capsys, f"{EXAMPLES / 'course_net.py'}:CourseNet", "--adapter", adapter)
    assert code == 2 and re.search(message, err), err


def test_cli_bad_targets_exit_2(capsys, tmp_path):
    broken = write(tmp_path, "broken.py", "import numpy as np\n\nX = np.zeros(2)[7]\n")
    shapes = write(tmp_path, "shapes.py", (EXAMPLES / "course_net.py").read_text().replace(
        '"b1": dZ1.sum(axis=1, keepdims=True)', '"b1": dZ1.sum(axis=1)'))
    cases = {
        f"{broken}:Net": "importing .*broken.py raised IndexError: .*\\(line 3\\)",
        f"{EXAMPLES / 'course_net.py'}:Nope": "has no attribute 'Nope'",
        f"{tmp_path / 'missing.py'}:Net": "no such file",
        str(EXAMPLES / "course_net.py"): "must look like path/to/file.py:ClassOrFunction",
        f"{shapes}:CourseNet": r"CourseNet.backward\(x, y\) returned shape \(3,\) for 'b1'",
    }
    for target, message in cases.items():
        code, _, err = cli(capsys, target, "--adapter", ADAPTER)
        assert code == 2 and re.search(message, err), (target, err)
    code, _, err = cli(capsys, "x.py:Y")  # argparse: --adapter is required
    assert code == 2 and "--adapter" in err


def test_cli_function_form_and_attribute_gradients(capsys, tmp_path):
    user = write(tmp_path, "logreg.py", '''
import numpy as np

def loss(params, x, y):
    a = 1 / (1 + np.exp(-(params["w"] @ x + params["c"])))
    return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))

def grads(params, x, y):
    a = 1 / (1 + np.exp(-(params["w"] @ x + params["c"])))
    return {"dw": (a - y) @ x.T, "dc": np.sum(a - y, axis=1)}
''')
    adapter = write(tmp_path, "logreg.toml", '''
[data]
x = { shape = [3, 5] }
y = { shape = [1, 5], distribution = "uniform" }
[params]
names = ["w", "c"]
init = { w = { shape = [1, 3] }, c = [0.1] }
[loss]
function = "loss"
[gradients]
keys = ["dw", "dc"]
[architecture]
widths = [3, 1]
activations = ["sigmoid"]
loss = "binary_cross_entropy"
mapping = { w = "W[1]", c = "b[1]" }
''')
    code, out, err = cli(capsys, f"{user}:grads", "--adapter", adapter)
    assert code == 0 and "PASS: all 2" in out, err
    storing = write(tmp_path, "storing.py", (EXAMPLES / "course_net.py").read_text() + '''

class StoringNet(CourseNet):
    def backward(self, X, Y):  # leaves dW1, db1, ... on the model and returns nothing
        for name, grad in super().backward(X, Y).items():
            setattr(self, "d" + name, grad)

class TwoStepNet(CourseNet):
    def backward(self, Y):  # relies on the activations cached by forward(X)
        return CourseNet.backward(self, self.A0, Y)
''')
    two_step = write(tmp_path, "two_step.toml", (EXAMPLES / "course_net.toml").read_text().replace(
        'args = ["x", "y"]\nreturns', 'args = ["y"]\nforward = "forward"\nreturns'))
    code, out, err = cli(capsys, f"{storing}:TwoStepNet", "--adapter", two_step)
    assert code == 0 and "PASS: all 6" in out, err
    attrs = write(tmp_path, "attrs.toml", (EXAMPLES / "course_net.toml").read_text().replace(
        'returns = "dict"', 'returns = "attributes"\nkeys = ["dW1", "db1", "dW2", "db2", "dW3", "db3"]'))
    code, out, err = cli(capsys, f"{storing}:StoringNet", "--adapter", attrs)
    assert code == 0 and "PASS: all 6" in out, err


def test_cli_in_a_subprocess_prints_no_traceback(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    code = ("import sys; from bpcheck.cli_gradcheck import main as gradcheck_main; "
            "sys.exit(gradcheck_main(sys.argv[1:]))")
    expected = {"course_net.py:CourseNet": 0, "course_net_buggy.py:CourseNet": 1, "course_net.py:Missing": 2}
    for target, status in expected.items():
        argv = [sys.executable, "-c", code, f"examples/{target}", "--adapter", "examples/course_net.toml"]
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == status, proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr


def test_markdown_section_for_reports():
    x, y = data()
    md = check(course_net_buggy.CourseNet(seed=0), x, y).to_markdown()
    assert "**FAIL: 1 of 6" in md and "| `b2` | 3×1 | **FAIL** |" in md
