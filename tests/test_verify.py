"""Each stage decides real claims: true forms are VERIFIED, wrong variants REFUTED."""
import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.model import Kind, Options
from bpcheck.decide.claim import verify_claim

from conftest import claim_toml


def decide(write_catalog, setting, quantity, formula, options=Options(), **extra):
    path = write_catalog(claim_toml("c", setting, quantity, formula, **extra))
    cat = load_catalog([path])
    assert cat.errors == ()
    return verify_claim(cat.claims[0], options)


TRUE_FORMS = [
    ("scalar", "diff(1/(1+exp(-x)), x)", "sigmoid(x)*(1-sigmoid(x))", {}),
    ("scalar", "diff(tanh(x), x)", "1 - tanh(x)**2", {}),
    ("softmax", "diff(softmax(z)[j], z[i])", "softmax(z)[j]*(kdelta(i, j) - softmax(z)[i])",
     {"where": '{ i = "1..3", j = "1..3" }'}),
    ("net", "diff(J, z[L])", "-(y - a[L]) ⊙ fprime(z[L])", {}),
    ("net", "diff(J, z[l])", "fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])",
     {"where": '{ l = "1..L-1" }'}),
    ("net", "diff(J, W[l])", "delta[l] * transpose(a[l-1])", {"where": '{ l = "1..L" }'}),
    ("net", "diff(J, b[l])", "delta[l]", {"where": '{ l = "1..L" }'}),
]


@pytest.mark.parametrize("setting, quantity, formula, extra", TRUE_FORMS)
def test_true_forms_are_verified(write_catalog, setting, quantity, formula, extra):
    v = decide(write_catalog, setting, quantity, formula, **extra)
    assert v.kind is Kind.VERIFIED, v.reason
    assert v.ok
    assert v.links[0].steps, "the symbolic argument is recorded"
    evidence = dict(v.links[0].numeric)
    assert evidence["points"] > 0 and evidence["max_abs_err"] < 1e-8


WRONG_FORMS = [  # (setting, quantity, wrong formula, extra, refuted by numbers?)
    ("net", "diff(J, z[L])", "(y - a[L]) ⊙ fprime(z[L])", {}, True),              # flipped sign
    ("square", "diff(J, z[l])", "fprime(z[l]) ⊙ (W[l+1] * delta[l+1])",          # missing ᵀ
     {"where": '{ l = "1..L-1" }'}, True),
    ("net", "diff(J, z[l])", "fprime(z[l]) ⊙ (W[l+1] * delta[l+1])",             # missing ᵀ
     {"where": '{ l = "1..L-1" }'}, False),
    ("net", "diff(J, z[l])", "transpose(W[l+1]) * delta[l+1]",                   # dropped f'
     {"where": '{ l = "1..L-1" }'}, True),
    ("softmax", "diff(softmax(z)[j], z[i])", "softmax(z)[j] * softmax(z)[i]",    # softmax sign
     {"where": '{ i = "1..3", j = "1..3" }', "when": '"i != j"'}, True),
    ("net", "diff(J, W[l])", "a[l-1] * transpose(delta[l])",                     # transposed
     {"where": '{ l = "1..L" }'}, False),
]


@pytest.mark.parametrize("setting, quantity, formula, extra, numeric", WRONG_FORMS)
def test_wrong_variants_are_refuted(write_catalog, setting, quantity, formula, extra, numeric):
    v = decide(write_catalog, setting, quantity, formula, **extra)
    assert v.kind is Kind.REFUTED
    assert not v.ok
    if numeric:
        cx = v.counterexample
        assert cx is not None and cx.inputs
        assert cx.abs_err > 1e-6
        assert max(abs(a - b) for a, b in zip(cx.lhs, cx.rhs)) == pytest.approx(cx.abs_err)
    else:
        assert "×" in v.reason  # refuted by shapes, both named


def test_erratum_refuted_is_ok(write_catalog):
    v = decide(write_catalog, "net", "diff(J, z[L])", "(y - a[L]) ⊙ fprime(z[L])",
               expect='"erratum"')
    assert v.kind is Kind.REFUTED and v.ok


def test_erratum_that_holds_is_not_ok(write_catalog):
    v = decide(write_catalog, "scalar", "diff(x**3, x)", "3*x**2", expect='"erratum"')
    assert v.kind is Kind.VERIFIED and not v.ok


def test_timeout_is_inconclusive_never_verified(write_catalog, monkeypatch):
    import bpcheck.decide.worlds as worlds_mod  # fresh worlds: nothing decided by an earlier test
    monkeypatch.setattr(worlds_mod, "_WORLDS", {})
    monkeypatch.setattr(worlds_mod, "_SIDES", {})
    v = decide(write_catalog, "net", "diff(J, W[l])", "delta[l] * transpose(a[l-1])",
               Options(timeout=0.001), where='{ l = "1..L" }')
    assert v.kind is Kind.INCONCLUSIVE and not v.ok


def test_missing_layer_is_refuted_with_reason(write_catalog):
    v = decide(write_catalog, "net", "diff(J, z[l])",
               "fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])", where='{ l = "1..L" }')
    assert v.kind is Kind.REFUTED and "W[3]" in v.reason and v.links[0].case == "l = 2"


def test_meaningless_claim_is_error(write_catalog):
    v = decide(write_catalog, "net", "subs(J, z[1], z[1])", "J")
    assert v.kind is Kind.ERROR


def test_counterexample_reproduces_with_seed(write_catalog):
    a = decide(write_catalog, "scalar", "diff(x**3, x)", "2*x**2", Options(seed=3))
    b = decide(write_catalog, "scalar", "diff(x**3, x)", "2*x**2", Options(seed=3))
    assert a.kind is Kind.REFUTED and a.counterexample == b.counterexample
    (name, x), = a.counterexample.inputs
    assert a.counterexample.lhs[0] == pytest.approx(3 * x**2)
    assert a.counterexample.rhs[0] == pytest.approx(2 * x**2)


def test_square_jacobian_in_numerator_layout(write_catalog):
    header = '[setting.lin]\nkind = "scalar"\nvectors = { v = 2 }\nmatrices = { A = [2, 2] }\n'
    path = write_catalog(claim_toml("c", "lin", "diff(A * v, v)", "A"), header=header)
    v = verify_claim(load_catalog([path]).claims[0])
    assert v.kind is Kind.VERIFIED
    assert dict(v.links[0].numeric)["crosscheck"] == "agree"


def test_nested_deadlines_keep_the_outer_one():
    import time as _time
    from bpcheck.decide.claim import ClaimTimeout, deadline
    with pytest.raises(ClaimTimeout):
        with deadline(0.3):
            with deadline(5.0):  # the inner one may not extend the outer one
                _time.sleep(0.05)
            _time.sleep(2.0)  # the outer deadline is still armed after the inner one
