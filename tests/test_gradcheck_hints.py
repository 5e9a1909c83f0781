"""Hints that name the cause right (issue 18): each test plants one real mistake in a small
hand-written backprop (written here, independently of bpcheck's reference), declares the
architecture, and asserts on the cause code at the start of the hint."""
from __future__ import annotations

import re

import numpy as np
import pytest

from bpcheck.gradcheck import Architecture, gradcheck_arrays
from bpcheck.reference.network import MLP

SIG = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
FORWARD = {"sigmoid": SIG, "tanh": np.tanh, "identity": lambda z: z,
           "softmax": lambda z: np.exp(z - z.max(0)) / np.exp(z - z.max(0)).sum(0)}
DERIV = {"sigmoid": lambda z: SIG(z) * (1 - SIG(z)), "tanh": lambda z: 1 - np.tanh(z) ** 2,
         "identity": np.ones_like}


def _setup(widths, acts, seed=0, batch=3, scale=1.0):
    rng = np.random.default_rng(seed)
    params = MLP(widths, acts, "mse_half").init_params(rng, scale)
    x = rng.standard_normal((widths[0], batch))
    y = np.eye(widths[-1])[:, rng.integers(widths[-1], size=batch)]
    named = {}
    for l in range(1, len(widths)):
        named[f"W{l}"], named[f"b{l}"] = params.W[l].copy(), params.b[l].copy()
    return named, x, y


def _forward(p, x, acts):
    zs, a_s = [None], [x]
    for l, f in enumerate(acts, start=1):
        zs.append(p[f"W{l}"] @ a_s[-1] + p[f"b{l}"][:, None])
        a_s.append(FORWARD[f](zs[-1]))
    return zs, a_s


def _loss(loss, eps=0.0):
    def value(a, y):
        if loss == "cross_entropy":
            return float(-np.sum(y * np.log(a + eps)))
        return float(0.5 * np.sum((a - y) ** 2))
    return value


def _backprop(p, x, y, acts, loss, *, deriv=None, softmax_diag=False, swap_outer=()):
    """Hand backprop; deriv {layer: f'(z) function} replaces a layer's derivative."""
    zs, a_s = _forward(p, x, acts)
    a = a_s[-1]
    g = -y / a if loss == "cross_entropy" else a - y  # dL/da at the output
    grads = {}
    for l in range(len(acts), 0, -1):
        f = acts[l - 1]
        if f == "softmax":
            delta = g * a * (1 - a) if softmax_diag else a * (g - np.sum(a * g, axis=0))
        else:
            d = (deriv or {}).get(l, DERIV[f])
            delta = g * d(zs[l])
        grads[f"W{l}"] = a_s[l - 1] @ delta.T if l in swap_outer else delta @ a_s[l - 1].T
        grads[f"b{l}"] = delta.sum(axis=1)
        g = p[f"W{l}"].T @ delta
        a = a_s[l - 1]
    return grads


def _check(p, x, y, acts, loss, grads, eps=0.0, rtol=1e-5):
    widths = (x.shape[0],) + tuple(p[f"b{l}"].size for l in range(1, len(acts) + 1))
    arch = Architecture(widths, acts, loss, x, y,
                        {n: f"{n[0]}[{n[1:]}]" for n in p})
    user_loss = _loss(loss, eps)
    return gradcheck_arrays(lambda q: user_loss(_forward(q, x, acts)[1][-1], y), p, grads,
                            architecture=arch, rtol=rtol)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse_half"])
@pytest.mark.parametrize("classes", [2, 3, 5])
def test_diagonal_softmax_jacobian_is_named_for_any_number_of_classes(classes, loss):
    acts = ("tanh", "softmax")
    p, x, y = _setup((3, 4, classes), acts)
    report = _check(p, x, y, acts, loss, _backprop(p, x, y, acts, loss, softmax_diag=True))
    assert not report.passed
    for name in report.failed:
        assert report[name].suspected_cause.startswith("softmax-diagonal:"), report[name].suspected_cause
    assert "W2" in report.failed


@pytest.mark.parametrize("loss", ["cross_entropy", "mse_half"])
def test_factor_two_is_explained_by_the_declared_loss(loss):
    acts = ("tanh", "softmax")
    p, x, y = _setup((3, 4, 3), acts)
    grads = _backprop(p, x, y, acts, loss)
    grads["W1"] = 2 * grads["W1"]
    hint = _check(p, x, y, acts, loss, grads)["W1"].suspected_cause
    assert hint.startswith("scale:") and "factor of 2" in hint
    assert ("(a - y)^2" in hint) == (loss == "mse_half")


@pytest.mark.parametrize("used, layer_act", [("sigmoid", "tanh"), ("tanh", "sigmoid")])
def test_wrong_activation_derivative_is_named_at_its_layer(used, layer_act):
    acts = (layer_act, "tanh", "identity")
    p, x, y = _setup((3, 4, 4, 2), acts)
    grads = _backprop(p, x, y, acts, "mse_half", deriv={1: DERIV[used]})
    report = _check(p, x, y, acts, "mse_half", grads)
    assert report.failed == ("W1", "b1")
    hint = report["W1"].suspected_cause
    assert hint.startswith("wrong-derivative:") and "layer 1" in hint and f"{used}'" in hint


def test_derivative_written_in_terms_of_a_for_the_wrong_activation():
    acts = ("tanh", "identity")
    p, x, y = _setup((3, 4, 2), acts)
    a_form = {1: lambda z: np.tanh(z) * (1 - np.tanh(z))}  # a (1 - a) with a = tanh(z)
    report = _check(p, x, y, acts, "mse_half", _backprop(p, x, y, acts, "mse_half", deriv=a_form))
    hint = report["W1"].suspected_cause
    assert hint.startswith("wrong-derivative:") and "a (1 - a)" in hint


@pytest.mark.parametrize("missing", [1, 2])
def test_missing_derivative_is_named_at_the_layer_where_it_is_missing(missing):
    acts = ("sigmoid", "sigmoid", "identity")
    p, x, y = _setup((3, 4, 4, 2), acts)
    grads = _backprop(p, x, y, acts, "mse_half", deriv={missing: np.ones_like})
    report = _check(p, x, y, acts, "mse_half", grads)
    assert set(report.failed) == {f"{k}{l}" for k in "Wb" for l in range(1, missing + 1)}
    for name in report.failed:
        hint = report[name].suspected_cause
        assert hint.startswith("missing-derivative:") and f"of layer {missing}" in hint


def test_outer_product_in_the_wrong_order():
    acts = ("tanh", "identity")
    p, x, y = _setup((4, 4, 2), acts)  # W1 square: the wrong order keeps the shape
    grads = _backprop(p, x, y, acts, "mse_half", swap_outer=(1,))
    report = _check(p, x, y, acts, "mse_half", grads)
    assert report.failed == ("W1",)
    hint = report["W1"].suspected_cause
    assert hint.startswith("transposed:") and "outer product in the wrong order" in hint


def test_epsilon_inside_the_log_is_named_with_a_tolerance():
    acts = ("identity", "softmax")
    p, x, y = _setup((3, 3, 4), acts, seed=0, scale=2.0)  # confident and wrong: p ~ 2.5e-4
    grads = _backprop(p, x, y, acts, "cross_entropy")  # exact for the loss without epsilon
    report = _check(p, x, y, acts, "cross_entropy", grads, eps=1e-8)
    assert not report.passed
    for name in report.failed:
        hint = report[name].suspected_cause
        assert hint.startswith("log-epsilon:") and "1e-08" in hint
        rtol = float(re.search(r"rtol=([0-9.e-]+)", hint).group(1))
        assert rtol <= 1e-2 and _check(p, x, y, acts, "cross_entropy", grads, eps=1e-8, rtol=rtol)[name].passed
    assert not any("does not describe" in n for n in report.notes)


def test_declared_architecture_is_never_asked_for():
    acts = ("sigmoid", "identity")
    p, x, y = _setup((3, 4, 2), acts, batch=1)
    grads = _backprop(p, x, y, acts, "mse_half")
    rng = np.random.default_rng(5)
    grads["W1"] = grads["W1"] / rng.uniform(0.2, 0.9, size=grads["W1"].shape)  # not a known mistake
    hint = _check(p, x, y, acts, "mse_half", grads)["W1"].suspected_cause
    assert hint is not None and "declare the architecture" not in hint
