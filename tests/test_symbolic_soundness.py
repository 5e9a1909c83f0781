"""The symbolic side never proves a false claim: every rewrite is valid over the reals for
the values the formula takes, divisors that vanish everywhere are caught, declared
assumptions are used (and only where declared), and an excluded set is always stated.
Falsity is confirmed with mpmath or exact rationals, never with bpcheck."""
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest
import sympy as sp

from bpcheck.catalog.files import load_catalog
from bpcheck.decide import links
from bpcheck.decide.claim import verify_claim
from bpcheck.model import Kind
from bpcheck.symbolic import kinks
from bpcheck.symbolic.atoms import Exp, Relu, Step, Tanh, undefined_function
from bpcheck.symbolic.domain import (UndefinedEverywhere, nonnegative_valued, positive_valued,
                                     real_valued, undefined_denominator)
from bpcheck.symbolic.zero_test import _stage_exp, decide as zero_test

from conftest import claim_toml

HEADER = """
[setting.x]
kind = "scalar"
symbols = ["x"]

[setting.xy]
kind = "scalar"
symbols = ["x", "y"]

[setting.pos]
kind = "scalar"
symbols = ["u"]
positive = ["v"]

[setting.plain]
kind = "scalar"
symbols = ["u", "v"]

[setting.net]
kind = "network"
widths = [4, 3, 2]
activation = "sigmoid"
loss = "mse_half"
"""


def verdict(write_catalog, setting, quantity, formula):
    path = write_catalog(claim_toml("c", setting, quantity, formula), header=HEADER)
    cat = load_catalog([path])
    assert cat.errors == ()
    return verify_claim(cat.claims[0])


x, y = sp.symbols("x y")

# ---- 1. rewrites valid only for real arguments ------------------------------------

COMPLEX_BRANCH = "2*x + sqrt(-1)*(log(exp(sqrt(-1)*x)) - sqrt(-1)*x)"


def test_complex_branch_is_false_beyond_pi():
    """The oracle: principal log, so log(e^{4i}) = (4 − 2π)i and the formula is 8 + 2π at 4."""
    at = lambda t: 2 * t + 1j * (mpmath.log(mpmath.exp(1j * t)) - 1j * t)
    assert abs(at(4) - 8) == pytest.approx(2 * float(mpmath.pi))
    assert abs(at(1) - 2) < 1e-12


@pytest.mark.parametrize("setting, quantity, formula", [
    ("x", "diff(x**2, x)", COMPLEX_BRANCH),
    ("net", "diff(J, b[2])", "delta[2] + sqrt(-1)*(log(exp(sqrt(-1)*b[2])) - sqrt(-1)*b[2])"),
    ("x", "diff(x**2, x)", "2*x + sqrt(-1)*(log(exp(sqrt(-1)*x/2)**2) - sqrt(-1)*x)"),
])
def test_complex_log_of_exp_is_not_verified(write_catalog, setting, quantity, formula):
    assert verdict(write_catalog, setting, quantity, formula).kind is not Kind.VERIFIED


def test_zero_test_keeps_log_of_exp_complex():
    assert zero_test(2 * x + sp.I * (sp.log(Exp(sp.I * x)) - sp.I * x), 2 * x).equal is not True
    # e^(i x / 2) = (e^(i x))^(1/2) only on the principal branch: not split
    assert zero_test(Exp(sp.I * x / 2), sp.sqrt(Exp(sp.I * x))).equal is not True


@pytest.mark.parametrize("quantity, formula", [  # the same rewrites where they are valid
    ("log(exp(x))", "x"),
    ("log(exp(x)/(1 + exp(x)))", "x - log(1 + exp(x))"),
    ("exp(log(1 + x**2))", "1 + x**2"),
    ("log(exp(x/2)**2)", "x"),
    ("diff(log(sigmoid(x)), x)", "1 - sigmoid(x)"),
])
def test_valid_rewrites_still_prove(write_catalog, quantity, formula):
    assert verdict(write_catalog, "x", quantity, formula).kind is Kind.VERIFIED


def test_exp_of_log_of_a_negative_is_not_proved(write_catalog):
    assert mpmath.log(-1 - mpmath.mpf(2) ** 2).imag != 0  # no real log there: undefined
    assert Exp(sp.log(-1 - x**2)) != -1 - x**2  # not rewritten when built
    assert zero_test(Exp(sp.log(-1 - x**2)), -1 - x**2).equal is not True
    assert verdict(write_catalog, "x", "-1 - x**2", "exp(log(-1 - x**2))").kind is not Kind.VERIFIED


# ---- 2. divisors that vanish everywhere -----------------------------------------------

ZERO = "((x+1)**2 - x**2 - 2*x - 1)"


def test_the_divisor_vanishes_everywhere():
    for t in (Fraction(-7, 3), Fraction(0), Fraction(5, 2), Fraction(10**6, 7)):
        assert (t + 1) ** 2 - t**2 - 2 * t - 1 == 0


@pytest.mark.parametrize("quantity, formula", [
    ("diff(x**2, x)", f"0/{ZERO}"),
    ("0", f"0/{ZERO}"),
    ("diff(x**2, x)", f"2*x + ((x+2)**2 - x**2 - 4*x - 4)/{ZERO}"),
    ("diff(x**2, x)", f"2*x + 0*(x/{ZERO})"),
])
def test_undefined_everywhere_is_not_verified(write_catalog, quantity, formula):
    assert verdict(write_catalog, "x", quantity, formula).kind in (Kind.ERROR, Kind.INCONCLUSIVE)


def test_sides_defined_on_disjoint_sets_are_not_proved():
    # x/relu(x) + 1/relu(-x) has no point where both divisors are non-zero
    assert zero_test(x / Relu(x), x / Relu(x)).equal is True
    side = x / Relu(x) + 1 / Relu(-x)
    with pytest.raises(UndefinedEverywhere):
        zero_test(side, side)


def test_a_divisor_zero_only_somewhere_is_fine(write_catalog):
    assert verdict(write_catalog, "x", "diff(log(1 + x**2), x)", "2*x/(1 + x**2)").kind \
        is Kind.VERIFIED
    assert verdict(write_catalog, "xy", "(x**2 - y**2)/(x - y)", "x + y").kind is Kind.VERIFIED


# ---- 3, 4. excluded sets are stated, and their analysis never changes a verdict -----------

def _excluded(scope: str) -> str:
    assert "excluded" in scope, scope
    return scope[scope.index("excluded"):]


def test_piecewise_tie_in_two_variables_states_the_set(write_catalog):
    v = verdict(write_catalog, "xy", "diff(x**2, x)", "piecewise((7, x == y), (2*x, True))")
    assert v.kind is Kind.VERIFIED  # true off the line x = y (7 ≠ 2x on it, in general)
    note = _excluded(v.scope)
    assert "x" in note and "y" in note


def test_max_tie_states_the_set(write_catalog):
    v = verdict(write_catalog, "xy", "diff(max(x, y), x)", "step(x - y)")
    assert v.kind is Kind.VERIFIED
    assert "x" in _excluded(v.scope)


def test_a_claim_over_several_index_cases_names_its_excluded_sets_once():
    """The shipped notes' ReLU claims range over layers: one note for all their cases."""
    from bpcheck.run.sources import load_sources
    root = Path(__file__).resolve().parents[1]
    catalog = load_sources([root / "examples" / "notes" / "backprop.md"])
    kinked = [c for c in catalog.claims if c.where and "relu" in str(c.setting)]
    assert kinked
    for claim in kinked:
        v = verify_claim(claim)
        assert v.kind is Kind.VERIFIED and v.scope.count("excluded") == 1, (claim.id, v.scope)


def test_unkinked_claim_has_no_excluded_set(write_catalog):
    v = verdict(write_catalog, "xy", "diff(x**2*y, x)", "2*x*y")
    assert v.kind is Kind.VERIFIED and "excluded" not in v.scope


def test_a_transcendental_kink_keeps_the_proof(write_catalog):
    v = verdict(write_catalog, "x", "diff(relu(x - cos(x)), x)", "step(x - cos(x))*(1 + sin(x))")
    assert v.kind is Kind.VERIFIED
    assert "cos" in _excluded(v.scope)


def test_a_failing_kink_analysis_keeps_the_proof(write_catalog, monkeypatch):
    def broken(sides):
        raise RuntimeError("analysis failed")
    monkeypatch.setattr(links, "kink_note", broken)
    v = verdict(write_catalog, "x", "diff(relu(x**3 - 2*x), x)", "step(x**3 - 2*x)*(3*x**2 - 2)")
    assert v.kind is Kind.VERIFIED
    _excluded(v.scope)


def test_a_failing_root_finder_gives_the_plain_set(write_catalog, monkeypatch):
    def broken(u, x):
        raise RuntimeError("no roots today")
    monkeypatch.setattr(kinks, "_real_roots", broken)
    v = verdict(write_catalog, "x", "diff(relu(x**3 - 3*x), x)", "step(x**3 - 3*x)*(3*x**2 - 3)")
    assert v.kind is Kind.VERIFIED
    assert "x**3 - 3*x" in _excluded(v.scope)


def test_a_complex_kink_argument_has_no_sign():
    assert zero_test(Relu(sp.I * x), sp.I * x * Step(sp.I * x)).equal is not True
    assert zero_test(Relu(x), x * Step(x)).equal is True


def test_a_jump_of_the_first_side_at_the_kink_is_noted(write_catalog):
    v = verdict(write_catalog, "x", "piecewise((7, x == 1), (2*x, True))", "2*x")
    assert v.kind is Kind.VERIFIED
    assert "7" in v.scope and "1" in v.scope


def test_a_wrong_value_at_the_kink_is_noted(write_catalog):
    v = verdict(write_catalog, "x", "diff(x**2, x)", "piecewise((7, x == 1), (2*x, True))")
    assert v.kind is Kind.VERIFIED
    assert "7" in v.scope and "1" in v.scope  # the point and the formula's value there


# ---- 5. declared assumptions, and only those ---------------------------------------------

@pytest.mark.parametrize("quantity, formula", [
    ("log(exp(u)/v)", "u - log(v)"),
    ("log(v**2)", "2*log(v)"),
    ("sqrt(v**2)", "v"),
    ("exp(log(v))", "v"),
    ("log(v*exp(u))", "log(v) + u"),
])
def test_declared_positive_is_used(write_catalog, quantity, formula):
    assert verdict(write_catalog, "pos", quantity, formula).kind is Kind.VERIFIED
    # the same claim about a v not declared positive is false for v < 0 (or undefined there)
    assert verdict(write_catalog, "plain", quantity, formula).kind is not Kind.VERIFIED


def test_assumptions_do_not_leak(write_catalog):
    verdict(write_catalog, "pos", "sqrt(v**2)", "v")
    assert sp.sqrt(sp.Symbol("v") ** 2) != sp.Symbol("v")
    assert float(mpmath.sqrt((-2) ** 2)) != -2
    assert verdict(write_catalog, "plain", "sqrt(v**2)", "v").kind is Kind.REFUTED


# ---- the zero test's rule ------------------------------------------------------------

def test_every_entry_must_vanish():
    """`any` instead of `all` over a matrix's entries would prove this."""
    lhs, rhs = sp.ImmutableMatrix([x, y]), sp.ImmutableMatrix([x, y + 1])
    assert zero_test(lhs, rhs).equal is not True
    assert zero_test(sp.ImmutableMatrix([y + 1, x]), sp.ImmutableMatrix([y, x])).equal is not True
    assert zero_test(lhs, lhs).equal is True


def test_a_numerator_must_expand_to_zero():
    """`expand(num).is_zero is not False` instead of `== 0` would prove these."""
    assert zero_test(x, y).equal is not True
    assert zero_test(x * Exp(y), y * Exp(x)).equal is not True
    assert zero_test(sp.log(x + 1), sp.log(x) + 1).equal is not True


def test_a_declared_symbol_is_not_its_plain_namesake():
    """symengine knows no assumptions: v > 0 and a plain v must not be merged there."""
    assert zero_test(sp.Symbol("v", positive=True), sp.Symbol("v")).equal is not True


# ---- pinned by mutation testing (benchmarks/mutate_soundness.py) -------------------------

V, W = sp.Symbol("v", positive=True), sp.Symbol("w", nonnegative=True)

# (expression, predicate, answer, witness x): a False answer comes with a real x where the
# value is not real / not positive / negative (checked with mpmath below, not with bpcheck);
# a True answer is a fact a licensed rewrite (log e^u = u, (e^m)^c, log of a product) rests on.
DOMAIN = [
    (sp.sqrt(x), real_valued, False, -1),                                 # sqrt(-1) = i
    (sp.Piecewise((1, x > 0), (sp.sqrt(x), True)), real_valued, False, -1),
    (sp.sqrt(V), real_valued, True, None),
    (sp.sqrt(x**2), real_valued, True, None),
    (sp.sin(x), real_valued, True, None),
    (V, real_valued, True, None),
    (x**2, positive_valued, False, 0),                                    # 0 at x = 0
    (x, nonnegative_valued, False, -1),
    (x + x**2, nonnegative_valued, False, Fraction(-1, 2)),               # −1/4
    (x**3, nonnegative_valued, False, -1),
    (sp.sin(x), nonnegative_valued, False, -1),
    (sp.Integer(-1), nonnegative_valued, False, 0),
    (sp.Integer(0), nonnegative_valued, True, None),
    (W, nonnegative_valued, True, None),
    (x**2 + y**2, nonnegative_valued, True, None),
    (sp.Abs(x), nonnegative_valued, True, None),
]


@pytest.mark.parametrize("expr, predicate, answer, witness", DOMAIN,
                         ids=[f"{p.__name__}({e})" for e, p, _, _ in DOMAIN])
def test_the_domain_predicates_answer_as_the_values_do(expr, predicate, answer, witness):
    """A looser predicate licenses a rewrite that is false somewhere (log e^sqrt(x) = sqrt(x)
    at x = −16); a stricter one loses a proof the rewrite gives (declared positive)."""
    assert predicate(expr) is answer
    if witness is not None:
        p, q = Fraction(witness).numerator, Fraction(witness).denominator
        value = complex(sp.N(expr.subs(x, sp.Rational(p, q)), 30))
        failed = {real_valued: value.imag != 0, positive_valued: value.real <= 0,
                  nonnegative_valued: value.real < 0}[predicate]
        assert failed


def test_the_zero_test_keeps_log_of_exp_of_a_square_root():
    with mpmath.workdps(50):  # at x = −16: sqrt(x) = 4i, log(e^4i) = (4 − 2π)i
        t = mpmath.sqrt(mpmath.mpf(-16))
        assert abs(mpmath.log(mpmath.exp(t)) - t) > 1
    assert zero_test(sp.log(Exp(sp.sqrt(x))), sp.sqrt(x)).equal is not True


def test_the_divisor_test_finds_zero_divisors_and_only_those():
    zero = (x + 1)**2 - x**2 - 2 * x - 1  # 0 at every x (test_the_divisor_vanishes_everywhere)
    g = undefined_function("g")(x)
    assert undefined_denominator([sp.Pow(0, -1, evaluate=False)]) == 0
    # a factor is 0, so the product is (SymPy keeps the product whole under a square root)
    assert undefined_denominator([1 / sp.sqrt(x * zero)]) is not None
    assert undefined_denominator([1 / ((g + 1)**2 - g**2 - 2 * g - 1)]) is not None  # every g
    # two divisors, each non-zero (at x = 0 both are): defined almost everywhere
    assert undefined_denominator([1 / (x - 1) + 1 / (x - 2)]) is None
    # a value SymPy cannot reduce to a number is not known to vanish
    assert undefined_denominator([1 / sp.Function("f")(x)]) is None


def test_the_exp_stage_rewrites_only_by_identities():
    """tanh(u) = (e^2u − 1)/(e^2u + 1) and e^(a+b) = e^a e^b exactly: a stage that rewrote
    tanh otherwise, or put a stray factor on e^u, would prove e^x e^y = 2 e^(x+y)."""
    e2 = Exp(2 * x)
    assert _stage_exp(Tanh(x) - (e2 - 1) / (e2 + 1)) == 0
    assert _stage_exp(Exp(x) * Exp(y) - Exp(x + y)) == 0
    assert zero_test(Exp(x) * Exp(y), 2 * Exp(x + y)).equal is not True
    assert zero_test(Tanh(x), (e2 - 1) * (e2 + 1)).equal is not True


def test_a_complex_kink_argument_leaves_the_claim_inconclusive(write_catalog):
    """log(x) is complex for x < 0, so relu(log x) has no sign regions to enumerate: the
    claim is INCONCLUSIVE (the numbers agree, no proof), never an ERROR."""
    v = verdict(write_catalog, "x", "relu(log(x))", "log(x)*step(log(x))")
    assert v.kind is Kind.INCONCLUSIVE


def test_undefined_terms_that_cancel_are_not_verified(write_catalog):
    v = verdict(write_catalog, "x", "diff(x**2, x)", f"2*x + 1/(x*{ZERO}) - 1/(x*{ZERO})")
    assert v.kind is not Kind.VERIFIED


def test_a_divisor_positive_only_where_every_relu_is_on_is_defined_somewhere():
    """relu(u1)·…·relu(u6) is non-zero only where every argument is positive (1/64 of the
    points of every sign): the divisor test tries all-positive points too, and the same
    points in every run (symbols in a fixed order, not a set's hash order)."""
    us = sp.symbols("u1:7", real=True)
    product = sp.Mul(*(Relu(u) for u in us))
    assert undefined_denominator([1 / product]) is None
    assert undefined_denominator([1 / Relu(-(us[0] ** 2) - 1)]) is not None  # never on
