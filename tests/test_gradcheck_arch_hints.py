"""The hints name the cause right on the architectures of issue 18 too: BCE, leaky ReLU / ELU
with their parameters, layers without biases, biases folded into W, transposed storage.
Each test plants one mistake in the hand-written network of gradcheck_user_nets and asserts
on the cause code at the start of the hint (and the layer it names)."""
from __future__ import annotations

import re

import pytest

from gradcheck_user_nets import UserNet

BCE = ("sigmoid", "binary_cross_entropy")
CE = ("softmax", "cross_entropy")
MSE = ("identity", "mse_half")
STORAGES = ("no_bias", "folded_last", "folded_first_T", "plain_T")


def _hints(report):
    return {name: report[name].suspected_cause for name in report.failed}


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("classes", [2, 3, 5])
def test_diagonal_softmax_jacobian_for_any_number_of_classes(storage, classes):
    net = UserNet((3, 4, classes), ("leaky_relu(0.2)",), CE, storage, seed=classes)
    hints = _hints(net.check("sum", ("softmax_diag",)))
    assert "W2" in hints
    assert all(h.startswith("softmax-diagonal:") for h in hints.values()), hints


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("used, layer", [("sigmoid", "tanh"), ("tanh", "sigmoid"), ("relu", "leaky_relu(0.2)"),
                                         ("sigmoid", "softplus")])
def test_the_wrong_activations_derivative_is_named_at_its_layer(storage, used, layer):
    net = UserNet((3, 4, 3, 2), (layer, "tanh"), BCE, storage, seed=1)
    hints = _hints(net.check("mean", ("deriv", 1, used)))
    assert set(hints) <= {"W1", "b1"} and "W1" in hints
    assert all(h.startswith("wrong-derivative:") and "layer 1" in h and f"{used}'" in h
               for h in hints.values()), hints


@pytest.mark.parametrize("storage", STORAGES)
def test_a_wrong_leaky_slope_in_the_derivative_is_named(storage):
    net = UserNet((3, 4, 2), ("leaky_relu(0.2)",), MSE, storage, seed=2)
    hints = _hints(net.check("sum", ("deriv", 1, "leaky_relu")))  # slope 0.01 in the derivative
    assert "W1" in hints
    assert all(h.startswith("wrong-derivative:") and "slope 0.2" in h and "slope 0.01" in h
               for h in hints.values()), hints


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("missing", [1, 2])
def test_a_missing_derivative_is_named_where_it_is_missing(storage, missing):
    net = UserNet((3, 4, 4, 2), ("leaky_relu(0.2)", "sigmoid"), BCE, storage, seed=3)
    hints = _hints(net.check("sum", ("missing", missing)))
    assert {n[1:] for n in hints} == {str(l) for l in range(1, missing + 1)}
    assert all(h.startswith("missing-derivative:") and f"of layer {missing}" in h
               for h in hints.values()), hints


@pytest.mark.parametrize("storage", STORAGES)
def test_the_outer_product_in_the_wrong_order(storage):
    net = UserNet((4, 4, 2), ("tanh",), BCE, storage, seed=4)
    hints = _hints(net.check("sum", ("swap", 1)))
    assert set(hints) == {"W1"}
    assert hints["W1"].startswith("transposed:"), hints


@pytest.mark.parametrize("head", [BCE, CE, MSE, ("sigmoid", "mse_mean")])
@pytest.mark.parametrize("storage", ["no_bias", "folded_last_T"])
def test_a_factor_of_two_is_explained_by_the_declared_loss(head, storage):
    net = UserNet((3, 4, 2), ("elu(alpha=1.5)",), head, storage, seed=5)
    hint = _hints(net.check("sum", ("scale", "W1", 2.0)))["W1"]
    assert hint.startswith("scale:") and "factor of 2" in hint
    squared = head[1].startswith("mse")
    assert ("(a - y)^2" in hint) == squared, hint


EPSILON_CASES = [("no_bias", CE, 1e-8, 3.0), ("folded_first", CE, 1e-8, 3.0), ("no_bias", BCE, 1e-7, 3.0),
                 ("folded_first", BCE, 1e-7, 2.0), ("plain_T", BCE, 1e-7, 2.0)]


@pytest.mark.parametrize("storage, head, eps, scale", EPSILON_CASES)
def test_an_epsilon_inside_the_log_is_named_with_a_tolerance(storage, head, eps, scale):
    net = UserNet((3, 3, 4 if head == CE else 1), ("identity",), head, storage, seed=0, scale=scale)
    report = net.check("sum", eps=eps)  # the gradient is exact for the loss without epsilon
    assert not report.passed
    assert not any("does not describe" in n for n in report.notes)
    for name, hint in _hints(report).items():
        assert hint.startswith("log-epsilon:") and f"{eps:g}" in hint, hint
        rtol = float(re.search(r"rtol=([0-9.e-]+)", hint).group(1))
        assert rtol <= 1e-2 and net.check("sum", eps=eps, rtol=rtol)[name].passed


@pytest.mark.parametrize("head, eps", [(CE, 1e-8), (BCE, 1e-7)])
def test_a_large_epsilon_gap_is_still_named_but_no_tolerance_is_offered(head, eps):
    net = UserNet((3, 3, 4 if head == CE else 1), ("identity",), head, "no_bias", seed=0, scale=6.0)
    report = net.check("sum", eps=eps)
    big = [p for p in report.params if not p.passed and p.finite_diff.max_rel_err >= 1e-2]
    assert big
    for p in big:
        assert p.suspected_cause.startswith("log-epsilon:") and "rtol=" not in p.suspected_cause


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("mistake", [("scale", "W1", 0.37), ("missing", 1), ("swap", 1), ("softmax_diag",)])
def test_a_declared_architecture_is_never_asked_for(storage, mistake):
    net = UserNet((4, 4, 3), ("leaky_relu(0.2)",), CE, storage, seed=6)
    for hint in _hints(net.check("mean", mistake)).values():
        assert hint is None or "declare the architecture" not in hint


@pytest.mark.parametrize("storage", ["plain", "folded_last"])
def test_one_wrong_derivative_used_in_every_hidden_layer_is_named_for_all_of_them(storage):
    net = UserNet((3, 4, 4, 2), ("tanh", "tanh"), MSE, storage, seed=7)
    hints = _hints(net.check("sum", ("deriv", 0, "sigmoid")))  # sigmoid' in both tanh layers
    assert hints["W1"].startswith("wrong-derivative: layers 1, 2 are tanh but their derivative is "
                                  "sigmoid"), hints
    assert hints["W2"].startswith("wrong-derivative: layer 2 is tanh"), hints
