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


def _sig(z):
    return 1 / (1 + np.exp(-z))


# name -> (f, f'), written independently of bpcheck.reference
ACTS = {
    "leaky_relu(0.2)": (lambda z: np.where(z > 0, z, 0.2 * z), lambda z: np.where(z > 0, 1.0, 0.2)),
    "elu(alpha=1.5)": (lambda z: np.where(z > 0, z, 1.5 * (np.exp(np.minimum(z, 0)) - 1)),
                       lambda z: np.where(z > 0, 1.0, 1.5 * np.exp(np.minimum(z, 0)))),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "softplus": (lambda z: np.log1p(np.exp(z)), _sig),
    "swish": (lambda z: z * _sig(z), lambda z: _sig(z) * (1 + z * (1 - _sig(z)))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (_sig, lambda z: _sig(z) * (1 - _sig(z))),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "identity": (lambda z: z, np.ones_like),
}
# (output activation, loss): the loss's own value and dL/dz at the output, per sample column
HEADS = {
    ("identity", "mse_half"): (lambda a, y: 0.5 * np.sum((a - y) ** 2), lambda a, y: a - y),
    ("sigmoid", "mse_mean"): (lambda a, y: np.sum((a - y) ** 2) / len(a),
                              lambda a, y: 2 * (a - y) / len(a) * a * (1 - a)),
    ("sigmoid", "binary_cross_entropy"): (lambda a, y: -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),
                                          lambda a, y: a - y),
    ("softmax", "cross_entropy"): (lambda a, y: -np.sum(y * np.log(a)), lambda a, y: a - y),
}
STORAGES = ("plain", "no_bias", "folded_last", "folded_first",
            "plain_T", "no_bias_T", "folded_last_T", "folded_first_T")


def _out(head, z):
    if head == "softmax":
        e = np.exp(z - z.max(axis=0))
        return e / e.sum(axis=0)
    return ACTS[head][0](z)


class UserNet:
    """A course-style network whose parameters are stored as `storage` says; forward and
    backward work in that storage directly (rows = samples for the _T storages)."""

    def __init__(self, widths, hidden, head, storage, seed=0, batch=3):
        self.widths, self.hidden, self.head, self.storage = widths, hidden, head, storage
        rng = np.random.default_rng(seed)
        self.rows = storage.endswith("_T")
        self.fold = storage.split("_")[1] if storage.startswith("folded") else None
        self.bias = storage.startswith("plain")
        self.params = {}
        for l in range(1, len(widths)):
            n_in = widths[l - 1] + (1 if self.fold else 0)
            shape = (n_in, widths[l]) if self.rows else (widths[l], n_in)
            self.params[f"W{l}"] = rng.standard_normal(shape) / np.sqrt(n_in)
            if self.bias:
                self.params[f"b{l}"] = rng.standard_normal((1, widths[l]) if self.rows else (widths[l], 1))
        self.x = rng.standard_normal((widths[0], batch))
        if head[1] == "cross_entropy":
            self.y = np.eye(widths[-1])[:, rng.integers(widths[-1], size=batch)]
        else:
            self.y = rng.uniform(0.1, 0.9, (widths[-1], batch))

    def mapping(self):
        out = {}
        for l in range(1, len(self.widths)):
            t = ".T" if self.rows else ""
            w = {None: f"W[{l}]", "last": f"[W[{l}], b[{l}]]", "first": f"[b[{l}], W[{l}]]"}[self.fold]
            out[f"W{l}"] = w + t
            if self.bias:
                out[f"b{l}"] = f"b[{l}]"
        return out

    # everything below is in the user's own orientation: columns, or rows (_T)
    def _augment(self, a):
        if not self.fold:
            return a
        ones = np.ones((1, a.shape[1])) if not self.rows else np.ones((a.shape[0], 1))
        parts = [a, ones] if self.fold == "last" else [ones, a]
        return np.hstack(parts) if self.rows else np.vstack(parts)

    def _weights(self, W):  # W without its bias row/column, for the backward pass
        if not self.fold:
            return W
        cut = slice(None, -1) if self.fold == "last" else slice(1, None)
        return W[cut] if self.rows else W[:, cut]

    def forward(self, p):
        a = self.x.T if self.rows else self.x
        zs, inputs = [], []
        L = len(self.widths) - 1
        for l in range(1, L + 1):
            a_in = self._augment(a)
            W = p[f"W{l}"]
            z = a_in @ W if self.rows else W @ a_in
            if self.bias:
                z = z + p[f"b{l}"]
            zs.append(z)
            inputs.append(a_in)
            f = self.hidden[l - 1] if l < L else self.head[0]
            a = _out(f, z.T).T if self.rows and f == "softmax" else _out(f, z)
        return zs, inputs, a

    def loss(self, p, reduction):
        a = self.forward(p)[2]
        a = a.T if self.rows else a
        value = HEADS[self.head][0](a, self.y)
        return value / self.y.shape[1] if reduction == "mean" else value

    def grads(self, p, reduction, mistake=None):
        zs, inputs, a = self.forward(p)
        y = self.y.T if self.rows else self.y
        L = len(self.widths) - 1
        delta = HEADS[self.head][1](a.T, y.T).T if self.rows else HEADS[self.head][1](a, y)
        delta = delta / y.shape[0 if self.rows else 1] if reduction == "mean" else delta
        out = {}
        for l in range(L, 0, -1):
            a_in = inputs[l - 1]
            out[f"W{l}"] = a_in.T @ delta if self.rows else delta @ a_in.T
            if self.bias:
                out[f"b{l}"] = delta.sum(axis=0 if self.rows else 1, keepdims=True)
            if l > 1:
                W = self._weights(p[f"W{l}"])
                g = delta @ W.T if self.rows else W.T @ delta
                deriv = ACTS[self.hidden[l - 2]][1](zs[l - 2])
                delta = g if mistake == ("missing", l - 1) else g * deriv
        if mistake == "double":
            out[f"W{L}"] = 2 * out[f"W{L}"]
        return out

    def check(self, reduction, mistake=None, symbolic=False):
        arch = Architecture(self.widths, tuple(self.hidden) + (self.head[0],), self.head[1],
                            self.x, self.y, self.mapping(), reduction, symbolic)
        return gradcheck_arrays(lambda p: self.loss(p, reduction), self.params,
                                lambda p: self.grads(p, reduction, mistake), architecture=arch)


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
