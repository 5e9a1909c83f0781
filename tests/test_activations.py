"""Leaky ReLU, ELU, softplus and swish as built-in activations and formula functions, and
networks without biases (issue 17, part 2; issue 18, architectures)."""
from __future__ import annotations

import numpy as np
import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.decide.claim import verify_claim
from bpcheck.gradcheck import Architecture, gradcheck_arrays
from bpcheck.model import Kind
from bpcheck.reference.network import ACTIVATIONS, central_difference, elu, leaky_relu

HEADER = """
[setting.x]
kind = "scalar"
symbols = ["x"]
"""


def network(name: str, activation: str, **extra: object) -> str:
    lines = [f"[setting.{name}]", 'kind = "network"', "widths = [3, 2, 2]",
             f'activation = "{activation}"', 'loss = "mse_half"']
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


SETTINGS = HEADER + "".join([
    network("lrelu", "leaky_relu", leaky_slope=0.2), network("lrelu_default", "leaky_relu"),
    network("elu", "elu"), network("elu_half", "elu", elu_alpha=0.5),
    network("softplus", "softplus"), network("swish", "swish"),
    network("nobias", "tanh", bias="false"), network("nobias_lrelu", "leaky_relu", bias="false"),
])


def decide(tmp_path, setting: str, quantity: str, formula: str):
    body = SETTINGS + "\n".join(["[[claim]]", 'id = "c"', 'source = "test"',
                                 f'setting = "{setting}"', f'quantity = "{quantity}"',
                                 f'formula = "{formula}"']) + "\n"
    path = tmp_path / "cat.toml"
    path.write_text(body, encoding="utf-8")
    cat = load_catalog([path])
    assert cat.errors == ()
    return verify_claim(cat.claims[0])


# (quantity, a true formula, a planted wrong one) in one real variable
RULES = {
    "leaky_relu": ("diff(leaky_relu(x, 0.3), x)", "piecewise((1, x > 0), (0.3, True))",
                   "piecewise((1, x > 0), (0.03, True))"),
    "leaky_relu default slope": ("diff(leaky_relu(x), x)", "step(x) + 0.01*step(-x)",
                                 "step(x)"),
    "elu": ("diff(elu(x), x)", "piecewise((1, x > 0), (exp(x), True))",
            "piecewise((1, x > 0), (exp(x) - 1, True))"),
    "elu with alpha": ("diff(elu(x, 2), x)", "piecewise((1, x > 0), (elu(x, 2) + 2, True))",
                       "piecewise((1, x > 0), (exp(x), True))"),
    "softplus": ("diff(softplus(x), x)", "sigmoid(x)", "sigmoid(x) * (1 - sigmoid(x))"),
    "swish": ("diff(swish(x), x)", "sigmoid(x) * (1 + x * (1 - sigmoid(x)))",
              "sigmoid(x) + x * sigmoid(x)"),
    "softplus value": ("softplus(x)", "log(1 + exp(x))", "log(exp(x))"),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_derivative_rules_are_verified_and_wrong_ones_refuted(tmp_path, rule):
    quantity, true, wrong = RULES[rule]
    assert decide(tmp_path, "x", quantity, true).kind is Kind.VERIFIED
    assert decide(tmp_path, "x", quantity, wrong).kind is Kind.REFUTED


def test_a_kinked_rule_names_its_kink_once(tmp_path):
    result = decide(tmp_path, "x", *RULES["leaky_relu"][:2])
    assert result.kind is Kind.VERIFIED
    assert result.scope.count("x = 0") == 1  # ReLU(x) and ReLU(-x): one kink, named once


DELTA_L = "diff(J, z[L])"
# (setting, true δ^L, δ^L with the activation's derivative missing or wrong)
DELTAS = {
    "lrelu": ("(a[L] - y) % fprime(z[L])", "(a[L] - y) % (step(z[L]) + 0.01*step(-z[L]))"),
    "lrelu_default": ("(a[L] - y) % (step(z[L]) + 0.01*step(-z[L]))", "(a[L] - y) % step(z[L])"),
    "elu": ("(a[L] - y) % fprime(z[L])", "a[L] - y"),
    "elu_half": ("(a[L] - y) % (step(z[L]) + 0.5 * exp(z[L]) % step(-z[L]))",
                 "(a[L] - y) % (step(z[L]) + exp(z[L]) % step(-z[L]))"),  # α 1, not 1/2
    "softplus": ("(a[L] - y) % sigmoid(z[L])", "a[L] - y"),
    "swish": ("(a[L] - y) % (sigmoid(z[L]) + z[L] % sigmoid(z[L]) % (1 - sigmoid(z[L])))",
              "(a[L] - y) % sigmoid(z[L])"),
}


@pytest.mark.parametrize("setting", list(DELTAS))
def test_output_delta_of_each_activation(tmp_path, setting):
    true, wrong = DELTAS[setting]
    assert decide(tmp_path, setting, DELTA_L, true).kind is Kind.VERIFIED
    assert decide(tmp_path, setting, DELTA_L, wrong).kind is Kind.REFUTED


HIDDEN_W1 = "((transpose(W[2]) * ((a[2] - y) % fprime(z[2]))) % fprime(z[1])) * transpose(x)"
MISSING_FPRIME = "(transpose(W[2]) * ((a[2] - y) % fprime(z[2]))) * transpose(x)"


@pytest.mark.parametrize("setting", ["lrelu", "elu_half", "softplus", "swish", "nobias",
                                     "nobias_lrelu"])
def test_first_layer_weight_gradient(tmp_path, setting):
    """diff(J, W[1]) goes through the NumPy reference cross-check too (slope, α, no biases)."""
    assert decide(tmp_path, setting, "diff(J, W[1])", HIDDEN_W1).kind is Kind.VERIFIED
    assert decide(tmp_path, setting, "diff(J, W[1])", MISSING_FPRIME).kind is Kind.REFUTED


def test_a_network_without_biases(tmp_path):
    assert decide(tmp_path, "nobias", "z[1]", "W[1] * x").kind is Kind.VERIFIED
    assert decide(tmp_path, "nobias", "z[1]", "W[1] * x + 1").kind is Kind.REFUTED
    # a claim about a bias the network does not have is not well-formed
    assert decide(tmp_path, "nobias", "diff(J, b[1])", "delta[1]").kind is Kind.REFUTED


@pytest.mark.parametrize("bad, key", [("leaky_slope = \"big\"", "leaky_slope"),
                                      ("bias = 0", "bias"), ("activation = \"gelu\"", "activation")])
def test_bad_setting_values_are_load_errors(tmp_path, bad, key):
    path = tmp_path / "bad.toml"
    path.write_text(f'[setting.n]\nkind = "network"\nwidths = [2, 1]\n{bad}\n', encoding="utf-8")
    errors = load_catalog([path]).errors
    assert len(errors) == 1 and errors[0].line == 4 and key in errors[0].message


def test_leaky_relu_takes_one_or_two_arguments(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(HEADER + '[[claim]]\nid = "c"\nsource = "t"\nsetting = "x"\n'
                    'quantity = "leaky_relu(x, 1, 2)"\nformula = "x"\n', encoding="utf-8")
    errors = load_catalog([path]).errors
    assert len(errors) == 1 and "leaky_relu" in errors[0].message


# --- the NumPy reference ------------------------------------------------------------------------

@pytest.mark.parametrize("act", [leaky_relu(0.2), elu(0.5), ACTIVATIONS["softplus"],
                                 ACTIVATIONS["swish"]], ids=lambda a: a.name)
def test_reference_vjp_matches_central_differences_with_parameters(act):
    rng = np.random.default_rng(3)
    z = rng.uniform(-3.0, 3.0, (4, 3))
    z[np.abs(z) < 0.1] = 0.5  # away from the kink
    g = rng.standard_normal(z.shape)
    fd = central_difference(lambda v: float(np.sum(g * act.forward(v))), z)
    assert np.allclose(act.vjp(z, act.forward(z), g), fd, rtol=1e-7, atol=1e-9)


def test_reference_parameters_change_the_values():
    z = np.array([-2.0, 3.0])
    assert leaky_relu(0.2).forward(z).tolist() == [-0.4, 3.0]
    assert np.allclose(elu(0.5).forward(z), [0.5 * (np.exp(-2.0) - 1.0), 3.0])


# --- gradcheck with a declared architecture -----------------------------------------------------

def _hand_written(act: str, wrong: bool):
    """A 2-3-1 network with `act` hidden and a sigmoid output, its gradient by hand."""
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((2, 4)), rng.uniform(0.1, 0.9, (1, 4))
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1)),
              "W2": rng.standard_normal((1, 3)), "b2": rng.standard_normal((1, 1))}
    forward = {"leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
               "elu": lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1),
               "softplus": lambda z: np.log1p(np.exp(z)),
               "swish": lambda z: z / (1 + np.exp(-z))}[act]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    prime = {"leaky_relu": lambda z: np.where(z > 0, 1.0, 0.01),
             "elu": lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))),
             "softplus": sig,
             "swish": lambda z: sig(z) * (1 + z * (1 - sig(z)))}[act]
    if wrong:  # the slip: the activation's derivative taken as the ReLU step
        prime = lambda z: (z > 0).astype(float)  # noqa: E731

    def loss(p):
        a = sig(p["W2"] @ forward(p["W1"] @ x + p["b1"]) + p["b2"])
        return float(0.5 * np.sum((a - y) ** 2))

    def grads(p):
        z1 = p["W1"] @ x + p["b1"]
        a1 = forward(z1)
        a2 = sig(p["W2"] @ a1 + p["b2"])
        d2 = (a2 - y) * a2 * (1 - a2)
        d1 = (p["W2"].T @ d2) * prime(z1)
        return {"W1": d1 @ x.T, "b1": d1.sum(axis=1, keepdims=True),
                "W2": d2 @ a1.T, "b2": d2.sum(axis=1, keepdims=True)}

    mapping = {"W1": "W[1]", "b1": "b[1]", "W2": "W[2]", "b2": "b[2]"}
    arch = Architecture((2, 3, 1), (act, "sigmoid"), "mse_half", x, y, mapping)
    return gradcheck_arrays(loss, params, grads, architecture=arch)


@pytest.mark.parametrize("act", ["leaky_relu", "elu", "softplus", "swish"])
def test_gradcheck_with_a_new_activation(act):
    right = _hand_written(act, wrong=False)
    assert right.passed, right.format_text()
    assert all(p.symbolic is not None and p.symbolic.passed for p in right.params)
    wrong = _hand_written(act, wrong=True)
    assert not wrong.passed
    assert {p.name for p in wrong.params if not p.passed} >= {"W1"}
