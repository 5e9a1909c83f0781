"""A wrong gradient is a report, never an exception, whatever the shapes (issue 18).

Property test: random networks (non-square layers, each activation), a declared architecture
(so every hint runs: scale fits, transposes, missing activation derivatives), and random
wrong gradients of every kind, including gradients in the transposed shape."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bpcheck.cli_gradcheck import main as gradcheck_main
from bpcheck.gradcheck import Architecture, gradcheck_arrays
from bpcheck.gradcheck import causes
from bpcheck.reference.network import MLP, Params

ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")
WRONGS = ("scale", "transpose", "noise", "zeros", "one-entry", "rows-swapped", "nan", "flat")


def _wrong(kind: str, g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if kind == "scale":
        return g * rng.choice([-1.0, 0.5, 2.0, 3.7])
    if kind == "transpose":
        return g.T.copy() if g.ndim == 2 else g[::-1].copy()
    if kind == "noise":
        return g + rng.standard_normal(g.shape)
    if kind == "zeros":
        return np.zeros_like(g)
    if kind == "one-entry":
        out = g.copy()
        out.flat[rng.integers(out.size)] += 1.0
        return out
    if kind == "rows-swapped":
        return g[::-1].copy() + (0.0 if g.shape[0] > 1 else 1.0)
    if kind == "nan":
        out = g.copy()
        out.flat[0] = np.nan
        return out
    return g.reshape(-1).copy() + 1.0  # "flat": a 2-D gradient returned as a vector


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(widths=st.lists(st.integers(1, 4), min_size=2, max_size=4),
       activation=st.sampled_from(ACTIVATIONS), wrong=st.sampled_from(WRONGS),
       which=st.integers(0, 10), seed=st.integers(0, 2**16))
def test_a_wrong_gradient_always_gives_a_report(widths, activation, wrong, which, seed):
    rng = np.random.default_rng(seed)
    net = MLP(tuple(widths), (activation,) * (len(widths) - 1), "mse_half")
    start = net.init_params(rng)
    x = rng.standard_normal((widths[0], 3))
    y = rng.standard_normal((widths[-1], 3))
    names = [f"{k}{l}" for l in range(1, net.depth + 1) for k in "Wb"]
    params = {f"W{l}": start.W[l].copy() for l in range(1, net.depth + 1)}
    params |= {f"b{l}": start.b[l].copy() for l in range(1, net.depth + 1)}

    def as_params(p):
        return Params((None, *[p[f"W{l}"] for l in range(1, net.depth + 1)]),
                      (None, *[p[f"b{l}"] for l in range(1, net.depth + 1)]))

    g = net.backward(as_params(params), x, y)
    grads = {f"W{l}": g.dW[l] for l in range(1, net.depth + 1)}
    grads |= {f"b{l}": g.db[l] for l in range(1, net.depth + 1)}
    bad = names[which % len(names)]
    truth = grads[bad]
    grads[bad] = _wrong(wrong, truth, rng)
    differs = grads[bad].shape != truth.shape or not np.allclose(grads[bad], truth, rtol=1e-3)
    arch = Architecture(tuple(widths), net.activations, "mse_half", x, y,
                        {n: f"{n[0]}[{n[1:]}]" for n in names}, symbolic=False)
    try:
        report = gradcheck_arrays(lambda p: net.loss_value(as_params(p), x, y), params, grads,
                                  architecture=arch)
    except Exception as exc:  # only the documented input errors may stop a check
        assert type(exc).__name__ == "GradcheckError", repr(exc)
        return
    assert report[bad].passed is not differs
    assert report.passed is not differs
    assert report.format_text() and report.to_markdown() and report.to_html()


@pytest.mark.parametrize("user_shape, truth_shape", [((2, 3), (3, 4)), ((3, 2), (2, 3)),
                                                      ((5,), (2, 3)), ((2, 3), (2, 3))])
def test_a_hint_never_raises_whatever_the_shapes(user_shape, truth_shape):
    rng = np.random.default_rng(0)
    user, truth = rng.standard_normal(user_shape), rng.standard_normal(truth_shape)
    variants = [("a cause", rng.standard_normal((4, 1)))]
    hint = causes.suspect(user, truth, variants)
    assert hint is None or isinstance(hint, str)


def test_the_transposed_non_square_gradient_gets_its_hint():
    """The broadcasting crash of issue 18: a wrong non-square gradient against truth.T."""
    rng = np.random.default_rng(1)
    truth = rng.standard_normal((2, 3))
    wrong = truth + rng.standard_normal((2, 3))  # wrong by more than a constant factor
    assert causes.suspect(wrong, truth) is None or isinstance(causes.suspect(wrong, truth), str)
    assert causes.suspect(truth.T.copy(), truth).startswith("transposed")


def test_an_internal_error_is_one_line_and_exit_2(monkeypatch, capsys, tmp_path):
    import bpcheck.cli_gradcheck as cli

    def broken(target, adapter):
        raise ZeroDivisionError("planted")
    monkeypatch.setattr(cli, "check_target", broken)
    adapter = tmp_path / "a.toml"
    adapter.write_text('[params]\nnames = ["w"]\n', encoding="utf-8")
    code = gradcheck_main(["x.py:f", "--adapter", str(adapter)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
