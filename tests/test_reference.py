"""The NumPy reference backprop against finite differences and against HIPS autograd."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

import autograd  # a test dependency (pyproject [test]): missing it must fail, not skip
import autograd.numpy as anp

from bpcheck.reference import conv as rc
from bpcheck.reference.network import (ACTIVATIONS, LOSSES, MLP, Params, central_difference,
                                       directional_check, fd_convergence, fd_step)

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = [(4, 3, 2), (2, 3, 3, 1), (3, 4, 2, 3, 2), (1, 1), (2, 2)]
MODES = ["single", "sum", "mean"]  # one sample, batch summed, batch averaged


def rel_err(a, b, floor: float = 1e-6) -> float:
    """Largest entry difference relative to the larger array's scale (floor 1e-6, for the
    degenerate all-zero gradients of a softmax over one unit)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0), floor)
    return float(np.max(np.abs(a - b), initial=0.0) / scale)


# --- an independent forward pass in autograd.numpy ------------------------------------

AG_ACT = {
    "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.maximum(z, 0.0),
    "identity": lambda z: z,
    "softmax": lambda z: anp.exp(z) / anp.sum(anp.exp(z), axis=0, keepdims=True),
    "leaky_relu": lambda z: anp.where(z > 0, z, 0.01 * z),
    "elu": lambda z: anp.where(z > 0, z, anp.exp(anp.minimum(z, 0.0)) - 1.0),
    "softplus": lambda z: anp.log(1.0 + anp.exp(z)),
    "swish": lambda z: z / (1.0 + anp.exp(-z)),
}
AG_LOSS = {
    "mse_half": lambda a, y: 0.5 * anp.sum((y - a) ** 2),
    "mse_mean": lambda a, y: anp.sum((y - a) ** 2) / a.shape[0],
    "cross_entropy": lambda a, y: -anp.sum(y * anp.log(a)),
    "binary_cross_entropy": lambda a, y: -anp.sum(y * anp.log(a) + (1 - y) * anp.log(1 - a)),
}


def ag_loss(net: MLP, flat_params, x, y):
    a = x
    for l, (W, b) in enumerate(flat_params, start=1):
        a = AG_ACT[net.activations[l - 1]](anp.dot(W, a) + (b if a.ndim == 1 else b[:, None]))
    batch = 1 if x.ndim == 1 else x.shape[1]
    return AG_LOSS[net.loss](a, y) / (batch if net.reduction == "mean" else 1)


# --- random problems ----------------------------------------------------------------------


def make_problem(widths, acts, loss, mode, seed):
    rng = np.random.default_rng(seed)
    net = MLP(tuple(widths), tuple(acts), loss, "mean" if mode == "mean" else "sum")
    params = net.init_params(rng)
    shape = (widths[0],) if mode == "single" else (widths[0], 3)
    x = rng.standard_normal(shape)
    out_shape = (widths[-1],) + shape[1:]
    if loss == "cross_entropy":  # a probability vector per sample
        y = rng.uniform(0.1, 1.0, out_shape)
        y = y / y.sum(axis=0, keepdims=True)
    elif loss == "binary_cross_entropy":
        y = rng.uniform(0.0, 1.0, out_shape)
    else:
        y = rng.standard_normal(out_shape)
    return net, params, x, y


def output_activation_for(loss, act):
    if loss == "binary_cross_entropy":
        return "sigmoid"
    if loss == "cross_entropy":
        return "softmax" if act != "sigmoid" else "sigmoid"
    return act


CASES = [(w, act, "mse_half", mode) for w in WIDTHS for act in ACTIVATIONS for mode in MODES]
CASES += [(w, act, loss, mode) for w in WIDTHS[:3] for act in ("tanh", "sigmoid", "relu")
          for loss in LOSSES for mode in MODES]


def case_id(case):
    w, act, loss, mode = case
    return f"{'-'.join(map(str, w))}-{act}-{loss}-{mode}"


def replace_layer(params: Params, l: int, W=None, b=None) -> Params:
    """A copy of params with layer l's W or b swapped (Params is frozen)."""
    Ws, bs = list(params.W), list(params.b)
    Ws[l] = Ws[l] if W is None else W
    bs[l] = bs[l] if b is None else b
    return Params(tuple(Ws), tuple(bs))


FD_FLOOR = 1e-3


def check_params_gradients(net, params, x, y):
    g = net.backward(params, x, y)
    flat = [(params.W[l], params.b[l]) for l in range(1, net.depth + 1)]
    ag = autograd.grad(lambda fp: ag_loss(net, fp, x, y))(flat)
    for l in range(1, net.depth + 1):
        def with_W(W, l=l):
            return net.loss_value(replace_layer(params, l, W=W), x, y)

        def with_b(b, l=l):
            return net.loss_value(replace_layer(params, l, b=b), x, y)

        # central differences carry up to ~2e-10 of rounding noise at these losses: gradients
        # below 1e-3 (deep leaky-ReLU nets) are held to an absolute error of 1e-9 (autograd: 1e-9 relative)
        assert rel_err(g.dW[l], central_difference(with_W, params.W[l]), FD_FLOOR) < 1e-6
        assert rel_err(g.db[l], central_difference(with_b, params.b[l]), FD_FLOOR) < 1e-6
        assert rel_err(g.dW[l], ag[l - 1][0]) < 1e-9
        assert rel_err(g.db[l], ag[l - 1][1]) < 1e-9
        assert g.dW[l].shape == params.W[l].shape and g.db[l].shape == params.b[l].shape


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_backward_matches_finite_differences_and_autograd(case):
    widths, act, loss, mode = case
    acts = [act] * (len(widths) - 2) + [output_activation_for(loss, act)]
    net, params, x, y = make_problem(widths, acts, loss, mode, seed=zlib.crc32(case_id(case).encode()))
    check_params_gradients(net, params, x, y)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("widths", WIDTHS[:3])
def test_delta_and_da_match_loss_from_layer(widths, mode):
    acts = (["tanh", "sigmoid", "relu"] * 2)[: len(widths) - 2] + ["softmax"]
    net, params, x, y = make_problem(widths, acts, "cross_entropy", mode, seed=7)
    g, t = net.backward(params, x, y), net.forward(params, x)
    L = net.depth
    assert g.delta[0] is None and g.dW[0] is None and g.db[0] is None
    for l in range(1, L + 1):
        fd = central_difference(lambda z, l=l: net.loss_from_layer(params, l, z, y), t.z[l])
        assert rel_err(g.delta[l], fd) < 1e-6
    # da[l] = dL/da[l]: perturb a[l] and continue from z[l+1] = W a + b.
    for l in range(0, L):
        def from_a(a, l=l):
            b = params.b[l + 1] if a.ndim == 1 else params.b[l + 1][:, None]
            return net.loss_from_layer(params, l + 1, params.W[l + 1] @ a + b, y)

        assert rel_err(g.da[l], central_difference(from_a, t.a[l])) < 1e-6
    fd_out = central_difference(lambda a: net._loss_at_output(a, y), t.a[L])
    assert rel_err(g.da[L], fd_out) < 1e-6
    fd_x = central_difference(lambda a0: net.loss_from_layer(params, 0, a0, y), x)
    assert rel_err(g.da[0], fd_x) < 1e-6


def test_reductions_and_loss_values():
    net, params, x, y = make_problem((3, 2), ["identity"], "mse_mean", "sum", seed=1)
    a = net.forward(params, x).a[-1]
    assert np.isclose(net.loss_value(params, x, y), np.sum(np.mean((y - a) ** 2, axis=0)))
    mean_net = MLP(net.widths, net.activations, "mse_mean", "mean")
    assert np.isclose(mean_net.loss_value(params, x, y), np.mean((y - a) ** 2))
    half = MLP(net.widths, net.activations, "mse_half")
    assert np.isclose(half.loss_value(params, x, y), 0.5 * np.sum((y - a) ** 2))
    # One sample as a vector or as a one-column batch gives the same numbers.
    g1, g2 = net.backward(params, x[:, 0], y[:, 0]), net.backward(params, x[:, :1], y[:, :1])
    assert np.allclose(g1.dW[1], g2.dW[1]) and np.allclose(g1.db[1], g2.db[1])


def test_activation_conventions():
    z = np.array([-2.0, 0.0, 3.0])
    relu = ACTIVATIONS["relu"]
    assert relu.vjp(z, relu.forward(z), np.ones(3)).tolist() == [0.0, 0.0, 1.0]
    s = ACTIVATIONS["sigmoid"].forward(np.array([-700.0, 0.0, 800.0]))
    assert s[1] == 0.5 and s[2] == 1.0 and np.isclose(s[0], np.exp(-700.0), rtol=1e-12)
    sm = ACTIVATIONS["softmax"].forward(np.array([[1000.0, 0.0], [1000.0, 0.0]]))
    assert np.allclose(sm, 0.5)  # columnwise, no overflow


def test_invalid_networks_are_rejected():
    for bad in [dict(activations=("sigmoid",)), dict(loss="hinge"), dict(reduction="max")]:
        kw = dict(widths=(2, 3, 1), activations=("tanh", "sigmoid"), loss="mse_half") | bad
        with pytest.raises(ValueError):
            MLP(**kw)
    net, params, x, _ = make_problem((2, 1), ["sigmoid"], "mse_half", "single", seed=0)
    with pytest.raises(ValueError, match="target shape"):
        net.loss_value(params, x, np.zeros(2))


# --- finite-difference helpers ------------------------------------------------------------


def test_central_difference_step_scales_with_x_and_never_vanishes():
    for v in [1.0, 1e3, 1e8]:  # log and cube: curvature scales with |x| in opposite ways
        g = central_difference(lambda t: float(np.log(t[0]) + t[0] ** 3), np.array([v]))
        exact = 1.0 / v + 3 * v**2
        assert abs(g[0] - exact) <= 1e-8 * exact, v
    tiny = np.array([1e-300, 0.0])
    assert fd_step(1e-300) > 1e-6 and fd_step(0.0) > 1e-6 and fd_step(1e8) > 1.0
    g = central_difference(lambda t: float(np.sum(t**2)), tiny)
    assert np.all(np.isfinite(g)) and np.all(np.abs(g) < 1e-290)
    assert tiny[0] == 1e-300  # the caller's array is left alone
    with pytest.raises(ValueError):
        fd_step(1.0, eps=1e-300)


def loss_and_grad(seed=3):
    net, params, x, y = make_problem((3, 4, 2), ["tanh", "sigmoid"], "mse_half", "sum", seed)

    def f(W1):
        return net.loss_value(replace_layer(params, 1, W=W1), x, y)

    return f, net.backward(params, x, y).dW[1], params.W[1]


def test_directional_check_accepts_right_and_detects_wrong_gradient():
    f, g, W1 = loss_and_grad()
    good = directional_check(f, g, W1, np.random.default_rng(0))
    assert good.max_rel_err < 1e-7 and good.passed()
    wrong = g.copy()
    wrong[0, 0] += 0.1 * np.max(np.abs(g))  # one entry off by 10% of the gradient's scale
    bad = directional_check(f, wrong, W1, np.random.default_rng(0))
    assert bad.max_rel_err > 1e-3 and not bad.passed()
    assert bad.n_directions == 20 and abs(bad.numeric - bad.analytic) > 1e-4


def test_fd_convergence_tells_truncation_from_mismatch():
    f, g, W1 = loss_and_grad()
    v = np.random.default_rng(1).standard_normal(W1.shape)
    right = fd_convergence(f, g, W1, v)
    e0, e1, e2 = right.errors
    assert right.consistent and right.verdict == "converging"
    assert 3.0 < e0 / e1 < 5.0 and 3.0 < e1 / e2 < 5.0  # O(h^2): 4x per halving
    wrong = fd_convergence(f, 1.01 * g, W1, v)
    assert wrong.verdict == "plateau" and not wrong.consistent
    assert wrong.errors[2] > 0.9 * wrong.errors[0]
    quad = fd_convergence(lambda w: float(np.sum(w**2)), 2 * W1, W1, v)  # no truncation error
    assert quad.verdict == "at rounding level" and quad.consistent


# --- convolution and pooling --------------------------------------------------------------


def ag_conv(x, K):
    oh, ow = x.shape[0] - K.shape[0] + 1, x.shape[1] - K.shape[1] + 1
    return sum(K[p, q] * x[p : p + oh, q : q + ow] for p in range(K.shape[0]) for q in range(K.shape[1]))


def ag_pool(x, k, reduce):
    H, W = x.shape
    return reduce(anp.reshape(x, (H // k, k, W // k, k)), axis=(1, 3))


@pytest.mark.parametrize("xs, ks", [((5, 7), (2, 3)), ((4, 4), (3, 3)), ((3, 6), (1, 1))])
def test_conv2d_backward(xs, ks):
    rng = np.random.default_rng(xs[0] * 10 + ks[1])
    x, K = rng.standard_normal(xs), rng.standard_normal(ks)
    out = rc.conv2d(x, K)
    G = rng.standard_normal(out.shape)
    assert out.shape == (xs[0] - ks[0] + 1, xs[1] - ks[1] + 1)
    assert np.isclose(out[1, 0], np.sum(K * x[1 : 1 + ks[0], : ks[1]]))  # cross-correlation
    dx, dK = rc.conv2d_backward(x, K, G)
    assert rel_err(dx, central_difference(lambda v: np.sum(G * rc.conv2d(v, K)), x)) < 1e-8
    assert rel_err(dK, central_difference(lambda v: np.sum(G * rc.conv2d(x, v)), K)) < 1e-8
    assert rel_err(dx, autograd.grad(lambda v: anp.sum(G * ag_conv(v, K)))(x)) < 1e-12
    assert rel_err(dK, autograd.grad(lambda v: anp.sum(G * ag_conv(x, v)))(K)) < 1e-12


@pytest.mark.parametrize("kind", ["max", "mean"])
@pytest.mark.parametrize("xs, k", [((4, 6), 2), ((6, 9), 3), ((2, 2), 1)])
def test_pool_backward(kind, xs, k):
    rng = np.random.default_rng(sum(xs) + k)
    x = rng.standard_normal(xs)
    fwd, bwd = {"max": (rc.maxpool2d, rc.maxpool2d_backward),
                "mean": (rc.meanpool2d, rc.meanpool2d_backward)}[kind]
    G = rng.standard_normal((xs[0] // k, xs[1] // k))
    dx = bwd(x, k, G)
    assert rel_err(dx, central_difference(lambda v: np.sum(G * fwd(v, k)), x)) < 1e-8
    reduce = anp.max if kind == "max" else anp.mean
    assert rel_err(dx, autograd.grad(lambda v: anp.sum(G * ag_pool(v, k, reduce)))(x)) < 1e-12
    assert rel_err(fwd(x, k), ag_pool(x, k, np.max if kind == "max" else np.mean)) < 1e-14


def test_pool_conventions():
    x = np.array([[1.0, 3.0, 0.0, 0.0], [3.0, 2.0, 0.0, 0.0]])  # ties in both windows
    G = np.array([[10.0, 20.0]])
    assert rc.maxpool2d_backward(x, 2, G).tolist() == [[0, 10, 20, 0], [0, 0, 0, 0]]
    assert np.allclose(rc.meanpool2d_backward(x, 2, G), [[2.5, 2.5, 5, 5], [2.5, 2.5, 5, 5]])
    with pytest.raises(ValueError):
        rc.maxpool2d(np.zeros((3, 4)), 2)
    with pytest.raises(ValueError):
        rc.conv2d(np.zeros((2, 2)), np.zeros((3, 1)))


# --- independence -------------------------------------------------------------------------


def test_reference_imports_neither_sympy_nor_other_bpcheck_modules():
    code = (
        "import sys, bpcheck.reference.network, bpcheck.reference.conv; "
        "assert 'sympy' not in sys.modules, 'sympy imported'; "
        "extra = sorted(m for m in sys.modules if m.startswith('bpcheck.') "
        "and m not in ('bpcheck.version', 'bpcheck.reference', 'bpcheck.reference.network', "
        "'bpcheck.reference.conv')); "
        "assert not extra, extra"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    for name in ("__init__.py", "network.py", "conv.py"):  # the files themselves
        tree = ast.parse((ROOT / "bpcheck" / "reference" / name).read_text())
        nodes = list(ast.walk(tree))
        imported = {a.name.split(".")[0] for n in nodes if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module.split(".")[0] for n in nodes if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(isinstance(n, ast.ImportFrom) and n.level for n in nodes), name
        assert imported <= {"__future__", "dataclasses", "typing", "numpy"}, imported
