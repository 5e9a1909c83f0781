"""What a gradcheck [architecture] can describe (issue 18): each activation (leaky ReLU and ELU
with their parameter), each loss with each reduction, layers without biases, a bias folded
into W (the input augmented with a 1, first or last), and the transposed storage of each.

The user networks here are hand-written (their own activations, derivatives and layouts, not
bpcheck's reference); a correct one passes against finite differences and the reference, and
a planted mistake fails."""
from __future__ import annotations

import numpy as np
import pytest

from bpcheck.cli_gradcheck import main as gradcheck_main
from bpcheck.gradcheck import Architecture, GradcheckError, gradcheck_arrays
from gradcheck_user_nets import ACTS, HEADS, STORAGES, UserNet


def _cases():
    acts = list(ACTS)
    out, i = [], 0
    for storage in STORAGES:
        for head in HEADS:
            for reduction in ("sum", "mean"):
                out.append((storage, head, reduction, acts[i % len(acts)]))
                i += 1
    return out


@pytest.mark.parametrize("storage, head, reduction, act", _cases(),
                         ids=lambda v: v if isinstance(v, str) else "-".join(v))
def test_each_storage_loss_and_reduction_passes_when_right_and_fails_when_wrong(storage, head, reduction, act):
    net = UserNet((3, 4, 2), (act,), head, storage)
    right = net.check(reduction)
    assert right.passed, right.format_text()
    assert all(p.reference is not None and p.reference.passed for p in right.params)
    assert not [n for n in right.notes if "symbolic comparison off" not in n]
    wrong = net.check(reduction, "double")
    assert wrong.failed == ("W2",)
    assert wrong["W2"].reference is not None and not wrong["W2"].reference.passed


@pytest.mark.parametrize("act", [a for a in ACTS if a != "identity"])
@pytest.mark.parametrize("storage", ["plain", "folded_first_T"])
def test_each_hidden_activation_and_its_missing_derivative(act, storage):
    net = UserNet((3, 4, 3, 2), (act, "tanh"), ("softmax", "cross_entropy"), storage, seed=2)
    assert net.check("sum").passed
    wrong = net.check("sum", ("missing", 1))
    assert "W1" in wrong.failed and "W2" not in wrong.failed
    hint = wrong["W1"].suspected_cause
    assert hint.startswith("missing-derivative:") and "of layer 1" in hint, hint


def test_per_layer_activations_with_their_own_parameters():
    net = UserNet((2, 3, 3, 2), ("leaky_relu(0.2)", "elu(alpha=1.5)"), ("sigmoid", "binary_cross_entropy"),
                  "plain", seed=4)
    assert net.check("mean").passed
    wrong = net.check("mean", ("missing", 2))
    assert set(wrong.failed) == {"W1", "b1", "W2", "b2"}


def test_a_parameter_declared_wrong_is_a_declaration_note_not_a_pass():
    net = UserNet((3, 4, 2), ("leaky_relu(0.2)",), ("identity", "mse_half"), "plain", seed=1)
    arch = Architecture(net.widths, ("leaky_relu(0.3)", "identity"), "mse_half", net.x, net.y,
                        net.mapping(), "sum", False)
    report = gradcheck_arrays(lambda p: net.loss(p, "sum"), net.params, lambda p: net.grads(p, "sum"),
                              architecture=arch)
    assert all(p.finite_diff.passed for p in report.params)  # the user's own loss
    assert any("does not describe" in n for n in report.notes)
    assert any(not p.reference.passed for p in report.params)


@pytest.mark.parametrize("storage, act", [("folded_last", "tanh"), ("folded_first_T", "leaky_relu(0.2)"),
                                          ("no_bias_T", "elu(alpha=1.5)")])
def test_symbolic_gradient_for_folded_biases_and_activation_parameters(storage, act):
    net = UserNet((2, 2, 1), (act,), ("sigmoid", "binary_cross_entropy"), storage, seed=3, batch=2)
    report = net.check("sum", symbolic=True)
    assert report.passed and not report.notes, report.format_text()
    assert all(p.symbolic is not None and p.symbolic.max_rel_err < 1e-9 for p in report.params)
    wrong = net.check("sum", "double", symbolic=True)
    assert wrong.failed == ("W2",) and not wrong["W2"].symbolic.passed


@pytest.mark.parametrize("activations, mapping, needle", [
    (("leaky_relu(x)", "identity"), None, "not a number"),
    (("tanh(0.2)", "identity"), None, "take a parameter"),
    (("leaky_relu(alpha=0.2)", "identity"), None, "take a parameter"),
    (("tanh", "identity"), {"W1": "[W[1], b[2]]", "W2": "W[2]"}, "is not"),
    (("tanh", "identity"), {"W1": "W[1]", "W2": "W[2]"}, "a bias folded into it?"),
    (("tanh", "identity"), {"W1": "[W[1], b[1]]", "W2": "[W[2], b[1]]"}, "is not"),
])
def test_bad_declarations_are_one_clear_error(activations, mapping, needle):
    net = UserNet((3, 4, 2), ("tanh",), ("identity", "mse_half"), "folded_last")
    arch = Architecture(net.widths, activations, "mse_half", net.x, net.y, mapping or net.mapping())
    with pytest.raises(GradcheckError, match=needle.replace("?", r"\?")):
        gradcheck_arrays(lambda p: net.loss(p, "sum"), net.params, lambda p: net.grads(p, "sum"),
                         architecture=arch)


def test_a_folded_bias_shares_no_part_with_a_separate_one():
    net = UserNet((3, 4, 2), ("tanh",), ("identity", "mse_half"), "folded_last")
    params = dict(net.params, extra=np.zeros((4, 1)))
    arch = Architecture(net.widths, ("tanh", "identity"), "mse_half", net.x, net.y,
                        dict(net.mapping(), extra="b[1]"))
    with pytest.raises(GradcheckError, match="both 'W1' and 'extra'"):
        gradcheck_arrays(lambda p: net.loss(p, "sum"), params,
                         lambda p: dict(net.grads(p, "sum"), extra=np.zeros((4, 1))), architecture=arch)


FOLDED_FILE = '''
import numpy as np

class Net:
    """Bias folded into W: each layer's input gets a leading 1 (x0 = 1)."""
    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.Theta1 = rng.standard_normal((3, 3)) * 0.5   # 3 hidden units, 2 inputs + the 1
        self.Theta2 = rng.standard_normal((1, 4)) * 0.5   # 1 output, 3 hidden + the 1
    def _fwd(self, X):
        A0 = np.vstack([np.ones((1, X.shape[1])), X])
        Z1 = self.Theta1 @ A0
        A1 = np.vstack([np.ones((1, X.shape[1])), np.where(Z1 > 0, Z1, 0.1 * Z1)])
        return A0, Z1, A1, 1 / (1 + np.exp(-(self.Theta2 @ A1)))
    def loss(self, X, Y):
        P = self._fwd(X)[3]
        return -np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    def backward(self, X, Y):
        A0, Z1, A1, P = self._fwd(X)
        D2 = (P - Y) / X.shape[1]
        D1 = (self.Theta2[:, 1:].T @ D2) * np.where(Z1 > 0, 1.0, SLOPE)
        return {"Theta1": D1 @ A0.T, "Theta2": D2 @ A1.T}
'''

FOLDED_ADAPTER = '''
[data]
samples = "columns"
x = { shape = [2, 5] }
y = { shape = [1, 5], distribution = "uniform" }
[params]
names = ["Theta1", "Theta2"]
[architecture]
widths = [2, 3, 1]
activations = ["leaky_relu(0.1)", "sigmoid"]
loss = "binary_cross_entropy"
reduction = "mean"
mapping = { Theta1 = "[b[1], W[1]]", Theta2 = "[b[2], W[2]]" }
'''


@pytest.mark.parametrize("slope, status", [("0.1", 0), ("0.01", 1)])
def test_adapter_with_folded_biases_and_a_leaky_slope(tmp_path, capsys, slope, status):
    (tmp_path / "net.py").write_text(FOLDED_FILE.replace("SLOPE", slope), encoding="utf-8")
    (tmp_path / "net.toml").write_text(FOLDED_ADAPTER, encoding="utf-8")
    code = gradcheck_main([f"{tmp_path / 'net.py'}:Net", "--adapter", str(tmp_path / "net.toml")])
    out = capsys.readouterr().out
    assert code == status, out
    if status:
        assert "Theta1" in out and "wrong-derivative:" in out and "slope 0.01" in out


@pytest.mark.parametrize("stem, status", [("folded_net", 0), ("folded_net_buggy", 1)])
def test_shipped_folded_example_by_cli_and_api(capsys, stem, status):
    import importlib.util
    from pathlib import Path

    from bpcheck.gradcheck import gradcheck

    examples = Path(__file__).resolve().parents[1] / "examples"
    code = gradcheck_main([f"{examples / stem}.py:FoldedNet", "--adapter", str(examples / "folded_net.toml")])
    out = capsys.readouterr().out
    assert code == status, out
    spec = importlib.util.spec_from_file_location(f"arch_{stem}", examples / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = module.FoldedNet()
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 5)), rng.uniform(0, 1, (1, 5))
    arch = Architecture((2, 4, 4, 1), ("leaky_relu(0.1)",) * 2 + ("sigmoid",), "binary_cross_entropy", x, y,
                        {f"Theta.{l}": f"[b[{l + 1}], W[{l + 1}]]" for l in range(3)}, "mean")
    report = gradcheck(net, [f"Theta.{l}" for l in range(3)], lambda m: m.cost(x, y),
                       lambda m: m.gradients(x, y), architecture=arch)
    assert report.passed is (status == 0)
    if status:
        assert report.failed == ("Theta.0", "Theta.1")
        assert report["Theta.0"].suspected_cause.startswith("wrong-derivative: layers 1, 2 are leaky_relu")
        assert report["Theta.1"].suspected_cause.startswith("wrong-derivative: layer 2 is leaky_relu")


def test_symbolic_side_needs_one_parameter_per_activation():
    from bpcheck.gradcheck.symbolic import unsupported

    x, y = np.zeros((2, 2)), np.zeros((1, 2))

    def arch(*acts):
        return Architecture((2,) * len(acts) + (1,), acts, "mse_half", x, y, {})
    assert unsupported(arch("leaky_relu", "leaky_relu(0.01)", "identity")) is None  # the default, spelled out
    assert "one activation for every hidden layer" in unsupported(arch("leaky_relu(0.2)", "leaky_relu(0.3)",
                                                                       "identity"))
    assert "one slope" in unsupported(arch("elu(0.5)", "elu(0.5)", "elu(2)"))


@pytest.mark.parametrize("loss, head", [("binary_cross_entropy", "sigmoid"), ("cross_entropy", "softmax")])
def test_reference_with_activation_parameters_per_layer_matches_autograd(loss, head):
    """The NumPy reference that these architectures are compared with, against HIPS autograd."""
    import autograd
    import autograd.numpy as anp

    from bpcheck.gradcheck.architecture import reference_activation
    from bpcheck.reference.network import MLP, Params

    specs = ("leaky_relu(0.2)", "elu(alpha=1.5)", head)
    net = MLP((3, 4, 4, 2), tuple(map(reference_activation, specs)), loss, "mean")
    rng = np.random.default_rng(8)
    params = net.init_params(rng, 2.0)
    x = rng.standard_normal((3, 5))
    y = np.eye(2)[:, rng.integers(2, size=5)] if head == "softmax" else rng.uniform(0.1, 0.9, (2, 5))
    f = (lambda z: anp.where(z > 0, z, 0.2 * z), lambda z: anp.where(z > 0, z, 1.5 * (anp.exp(anp.minimum(z, 0)) - 1)),
         (lambda z: 1 / (1 + anp.exp(-z))) if head == "sigmoid" else
         (lambda z: anp.exp(z) / anp.sum(anp.exp(z), axis=0, keepdims=True)))

    def value(flat):
        a = x
        for (W, b), act in zip(flat, f):
            a = act(anp.dot(W, a) + b[:, None])
        per = y * anp.log(a) + ((1 - y) * anp.log(1 - a) if head == "sigmoid" else 0)
        return -anp.sum(per) / x.shape[1]

    flat = [(params.W[l], params.b[l]) for l in range(1, 4)]
    want = autograd.grad(value)(flat)
    got = net.backward(Params(params.W, params.b), x, y)
    for l in range(1, 4):
        assert np.allclose(got.dW[l], want[l - 1][0], rtol=1e-9, atol=1e-12)
        assert np.allclose(got.db[l], want[l - 1][1], rtol=1e-9, atol=1e-12)
    assert abs(net.loss_value(params, x, y) - value(flat)) < 1e-12
