"""The numeric check's soundness (issue 16): undefined points never agree, complex values
are compared in full, a refutation is searched beyond the default box and re-checked in
high precision, declared assumptions are honoured, anagram functions differ, and a
broken comparison is caught by the quick suite.

Every counterexample is confirmed with an independent oracle: the formula written
again by hand with mpmath at 50 digits, never with bpcheck."""
import mpmath
import numpy as np
import pytest
import sympy as sp

from bpcheck.catalog.files import load_catalog
from bpcheck.decide.claim import verify_claim
from bpcheck.model import Kind, Options
from bpcheck.numeric.compare import Screen, compare, draw_points, summarize
from bpcheck.numeric.walk import RandomFunctions
from bpcheck.symbolic.world import World

from conftest import NET, claim_toml

SETTINGS = NET + """
[setting.pos]
kind = "scalar"
symbols = ["x"]
positive = ["alpha"]

[setting.ints]
kind = "scalar"
symbols = ["x"]
integers = ["n"]

[setting.anagram]
kind = "scalar"
symbols = ["x"]
functions = ["fg", "gf"]

[setting.far]
kind = "scalar"
symbols = ["x"]
sample = { x = [99999990.0, 100000010.0] }

[setting.near]
kind = "scalar"
symbols = ["x"]
sample = { x = [99990000.0, 100010000.0] }

[setting.small]
kind = "scalar"
symbols = ["x"]
sample = { x = [1, 2] }

[setting.tiny_net]
kind = "scalar"
symbols = ["w", "x", "y"]
define = { z = "w*x", J = "(z - y)**2/2" }
"""


def decide(write_catalog, setting, quantity, formula, options=Options()):
    path = write_catalog(claim_toml("c", setting, quantity, formula), header=SETTINGS)
    cat = load_catalog([path])
    assert cat.errors == ()
    return verify_claim(cat.claims[0], options)


def cx_of(v):
    link = v.links[0]
    assert link.counterexample is not None
    cx = link.counterexample
    return {name: value for name, value in cx.inputs}, cx


def differ(lhs, rhs, digits=50):
    """Independent oracle: do two mpmath values differ beyond the default tolerance?"""
    with mpmath.workdps(digits):
        return abs(lhs - rhs) > 1e-9 + 1e-7 * max(abs(lhs), abs(rhs))


# -- 1. undefined values never count as agreement ------------------------------------

@pytest.mark.parametrize("lhs, rhs", [
    ("log(x**2 - x**2)", "log(x**2 - x**2)"),  # log 0 on both sides, everywhere
    ("x/((x+1)**2 - x**2 - 2*x - 1)", "2*x/((x+1)**2 - x**2 - 2*x - 1)"),  # a zero denominator
    ("1/((x+1)**2 - x**2 - 2*x - 1)", "2"),
])
def test_undefined_everywhere_is_never_verified(write_catalog, lhs, rhs):
    v = decide(write_catalog, "scalar", lhs, rhs)
    assert v.kind is Kind.INCONCLUSIVE
    assert dict(v.links[0].numeric)["points"] <= 4  # only points float64 rounding left defined


def test_undefined_points_are_not_counted_and_never_agree():
    nan, inf = float("nan"), float("inf")
    a = np.array([[1.0], [nan], [inf]])
    b = np.array([[1.0], [nan], [inf]])
    res = summarize(a, b, 1e-7, 1e-9, 0)
    assert res.points == 1 and res.agree
    everywhere = summarize(a[1:], b[1:], 1e-7, 1e-9, 0)
    assert everywhere.points == 0 and not everywhere.agree
    one_sided = summarize(np.array([[1.0], [2.0]]), np.array([[1.0], [nan]]), 1e-7, 1e-9, 0)
    assert one_sided.one_sided == 1 and not one_sided.agree and one_sided.counterexample is None


# -- 2. complex values compared in full -------------------------------------------------

BRANCH = "2*x + sqrt(-1)*(log(exp(sqrt(-1)*x)) - sqrt(-1)*x)"  # wrong by 2π once |x| > π


def _branch(x):
    i = mpmath.mpc(0, 1)
    return 2 * x + i * (mpmath.log(mpmath.exp(i * x)) - i * x)


def test_complex_branch_error_is_refuted(write_catalog):
    v = decide(write_catalog, "scalar", "diff(x**2, x)", BRANCH)
    assert v.kind is Kind.REFUTED
    inputs, cx = cx_of(v)
    with mpmath.workdps(50):
        x = mpmath.mpf(inputs["x"])
        assert differ(2 * x, _branch(x))
        assert abs(x) > mpmath.pi


def test_complex_branch_on_a_network_weight_is_refuted(write_catalog):
    # dJ/dw = (w x - y) x; the claimed formula adds the branch term in w
    formula = "(w*x - y)*x + sqrt(-1)*(log(exp(sqrt(-1)*w)) - sqrt(-1)*w)"
    v = decide(write_catalog, "tiny_net", "diff(J, w)", formula)
    assert v.kind is Kind.REFUTED
    inputs, _ = cx_of(v)
    with mpmath.workdps(50):
        w, x, y = (mpmath.mpf(inputs[k]) for k in ("w", "x", "y"))
        i = mpmath.mpc(0, 1)
        claimed = (w * x - y) * x + i * (mpmath.log(mpmath.exp(i * w)) - i * w)
        assert differ((w * x - y) * x, claimed)


def test_imaginary_parts_are_compared():
    a = np.array([[1.0 + 0.0j], [2.0 + 0.0j]])
    b = np.array([[1.0 + 0.0j], [2.0 + 1.0j]])  # same real parts
    assert not summarize(a, b, 1e-7, 1e-9, 0).agree
    assert summarize(a, a.copy(), 1e-7, 1e-9, 0).agree
    world, x = _one_symbol_world()
    assert not compare(x, x + sp.I * x, world).agree  # equal real parts, every point
    assert not compare(sp.sqrt(x - 3), -sp.sqrt(x - 3), world).agree  # ±i·sqrt(3 − x)


def test_branch_differences_only_where_complex_are_not_refutations(write_catalog):
    # log(x²) = 2 log x holds for x > 0; for x < 0 only the principal branches differ
    v = decide(write_catalog, "scalar", "log(x**2)", "2*log(x)")
    assert v.kind is Kind.INCONCLUSIVE


# -- 3. refutation search beyond the default box ---------------------------------------

FAR = [
    ("x + piecewise((1, x > 10), (0, True))", lambda x: x + (1 if x > 10 else 0)),
    ("x + piecewise((1, x > 1000), (0, True))", lambda x: x + (1 if x > 1000 else 0)),
    ("x + exp(-10**6*x**2)", lambda x: x + mpmath.exp(-10**6 * x**2)),
    ("x + exp(-(x-3)**2*10**4)", lambda x: x + mpmath.exp(-(x - 3)**2 * 10**4)),
]


@pytest.mark.parametrize("formula, oracle", FAR)
def test_narrow_or_far_differences_are_refuted(write_catalog, formula, oracle):
    v = decide(write_catalog, "scalar", "x", formula)
    assert v.kind is Kind.REFUTED
    inputs, cx = cx_of(v)
    with mpmath.workdps(50):
        x = mpmath.mpf(inputs["x"])
        assert differ(x, oracle(x))
        assert float(oracle(x)) == pytest.approx(cx.rhs[0], rel=1e-9)


# -- 4. float64 cancellation is not a counterexample -----------------------------------

def test_cancellation_in_a_true_identity_is_not_refuted(write_catalog):
    # at x ≈ 10⁸ the expanded side loses every digit in float64
    v = decide(write_catalog, "far", "(x - 100000000)**2",
               "x**2 - 200000000*x + 10000000000000000")
    assert v.kind is Kind.VERIFIED


def test_a_real_difference_under_cancellation_is_still_refuted(write_catalog):
    v = decide(write_catalog, "far", "(x - 100000000)**2",
               "x**2 - 200000000*x + 10000000000000001")
    assert v.kind is Kind.REFUTED
    inputs, _ = cx_of(v)
    x = mpmath.mpf(inputs["x"])
    with mpmath.workdps(50):
        assert differ((x - 10**8)**2, x**2 - 2 * 10**8 * x + 10**16 + 1)


# -- 5. declared assumptions are honoured ----------------------------------------------

def test_positive_symbol_is_never_shown_negative(write_catalog):
    # differs at α = −1 (where a counterexample used to be shrunk to) and at α = ½
    v = decide(write_catalog, "pos", "alpha**2", "alpha")
    assert v.kind is Kind.REFUTED
    inputs, _ = cx_of(v)
    assert inputs[r"\alpha"] > 0
    with mpmath.workdps(50):
        a = mpmath.mpf(inputs[r"\alpha"])
        assert differ(a**2, a)


def test_sampling_honours_declared_kinds():
    n, alpha = sp.Symbol("n", integer=True, positive=True), sp.Symbol("alpha", positive=True)
    pts = draw_points(World(setting=None), [n, alpha], np.random.default_rng(0), 200)
    assert (pts[:, 0] == np.round(pts[:, 0])).all() and (pts[:, 0] >= 1).all()
    assert (pts[:, 1] > 0).all()


def test_integer_symbol_is_sampled_as_an_integer(write_catalog):
    v = decide(write_catalog, "ints", "(-1)**n", "1")
    assert v.kind is Kind.REFUTED
    inputs, _ = cx_of(v)
    assert float(inputs["n"]).is_integer() and inputs["n"] % 2 == 1
    true = decide(write_catalog, "ints", "cos(pi*n)", "(-1)**n")  # true for integers only
    assert true.kind is not Kind.REFUTED


# -- 6. anagram names get different random stand-ins -----------------------------------

def test_anagram_functions_differ(write_catalog):
    funcs = RandomFunctions(0)
    assert not np.allclose(funcs._c("fg"), funcs._c("gf"))
    v = decide(write_catalog, "anagram", "fg(x)", "gf(x)")
    assert v.kind is Kind.REFUTED


# -- the comparison itself: a broken tolerance test or any-for-all is caught here ------

def _one_symbol_world():
    x = sp.Symbol("x")
    world = World(setting=None)
    world.add_leaf("x", x)
    return world, x


def test_comparison_tolerance_and_every_point_every_entry():
    good = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert summarize(good, good * (1 + 1e-9), 1e-7, 1e-9, 0).agree  # within tolerance
    far = good.copy()
    far[2, 1] += 1e-3  # one entry at one point
    assert not summarize(good, far, 1e-7, 1e-9, 0).agree
    assert not Screen.agrees(good, far, 1e-7, 1e-9)
    assert Screen.agrees(good, good * (1 + 1e-9), 1e-7, 1e-9)
    assert not summarize(good, good + 1e-5, 1e-7, 1e-9, 0).agree  # every entry just off


def test_compare_finds_a_difference_at_one_point_only():
    world, x = _one_symbol_world()
    assert compare(x**2, x * x, world).agree
    # the sides differ only beyond the largest of the 24 sample points' runner-up:
    # one point of 24 disagrees, and agreement needs every point
    drawn = np.sort(np.random.default_rng(0).uniform(-2.0, 2.0, 24))
    t = float(drawn[-2] + drawn[-1]) / 2
    wrong = compare(x**2, sp.Piecewise((x**2 + 1, x > t), (x**2, True)), world, points=24)
    assert not wrong.agree and wrong.counterexample is not None
    assert wrong.counterexample.inputs[0][1] > t


# -- pinned by mutation testing (benchmarks/mutate_soundness.py) -------------------------

def test_the_tolerance_grows_with_the_value_not_against_it(write_catalog):
    """Values near 1e-4 off by 1%: atol + rtol·|value| (about 1e-9) sees it, rtol/|value|
    (1e-3) would not; x is kept in its declared range [1, 2] by the wide search too."""
    v = decide(write_catalog, "small", "x/10**4", "101*x/10**6")
    assert v.kind is Kind.REFUTED
    inputs, _ = cx_of(v)
    assert 1 <= inputs["x"] <= 2
    with mpmath.workdps(50):
        x = mpmath.mpf(inputs["x"])
        assert differ(x / 10**4, 101 * x / 10**6)


def test_the_structural_search_keeps_a_declared_range(write_catalog):
    """x + relu(x − 5) = x on the declared range [1, 2] (relu is 0 there); it differs only
    beyond x = 5, where the structural search once found a 'counterexample' (x = 5.005)."""
    for formula in ("x + relu(x - 5)", "piecewise((x, x < 5), (0, True))"):
        v = decide(write_catalog, "small", "x", formula)
        assert v.kind is not Kind.REFUTED
        assert all(l.counterexample is None for l in v.links)


def test_a_true_identity_with_rounding_at_some_points_is_verified(write_catalog):
    """Float64 cancellation at some of the 24 points only (where |x − 10⁸| is small): each
    is re-checked at 50 digits and found rounding, none is left unchecked: VERIFIED."""
    v = decide(write_catalog, "near", "(x - 100000000)**2",
               "x**2 - 200000000*x + 10000000000000000")
    assert v.kind is Kind.VERIFIED


def test_one_sample_point_still_decides(write_catalog):
    """--points 1: one point is a comparison, not 'nothing was compared': a false claim is
    refuted there, a true one with float64 rounding there is verified."""
    one = Options(points=1)
    assert decide(write_catalog, "scalar", "diff(x**2, x)", "2*x + 1", one).kind is Kind.REFUTED
    assert decide(write_catalog, "far", "(x - 100000000)**2",
                  "x**2 - 200000000*x + 10000000000000000", one).kind is Kind.VERIFIED


def test_without_a_high_precision_form_float64_decides(monkeypatch):
    """A node with no 50-digit form: float64's word stands (a difference of 1 is one)."""
    import bpcheck.numeric.refute as refute
    monkeypatch.setattr(refute, "precise_values", lambda *args, **kw: None)
    world, x = _one_symbol_world()
    wrong = compare(x, x + 1, world)
    assert not wrong.agree and wrong.counterexample is not None
    assert wrong.counterexample.abs_err == pytest.approx(1.0)
    assert compare(x, x, world).agree


def test_a_value_is_real_when_its_imaginary_part_is_within_tolerance_of_it():
    from types import SimpleNamespace
    from bpcheck.numeric.refute import _is_real
    prob = SimpleNamespace(atol=1e-9, rtol=1e-7)
    assert not _is_real(mpmath.mpc(1e-3, 1e-5), prob)  # 1% imaginary: a complex value
    assert _is_real(mpmath.mpc(1e3, 1e-5), prob)  # 1e-8 of the value: rounding
    assert _is_real(mpmath.mpf(-2), prob)


def test_what_gets_the_wide_search_before_verified():
    """A side that can leave the reals, or a comparison that left points out (a side
    undefined there), is searched beyond the box before it is VERIFIED; nothing else."""
    from bpcheck.decide.links import _leaves_reals
    x = sp.Symbol("x")
    clean = summarize(np.array([[1.0]]), np.array([[1.0]]), 1e-7, 1e-9, 0)
    nan = np.array([[1.0], [np.nan]])
    left_out = summarize(nan, nan, 1e-7, 1e-9, 0)
    assert not _leaves_reals(clean, x, 2 * x)
    assert _leaves_reals(clean, x, sp.log(x)) and _leaves_reals(clean, sp.sqrt(x), x)
    assert _leaves_reals(left_out, x, 2 * x)


def test_a_proof_of_a_claim_that_leaves_the_reals_is_still_searched(write_catalog, monkeypatch):
    """Even a wrong proof (a zero test that proves everything) does not verify the
    log-exp branch (wrong by 2π once |x| > π, beyond the default box): a claim that can
    leave the reals gets the wide search before VERIFIED."""
    from bpcheck.decide import links
    from bpcheck.symbolic.zero_test import SymbolicResult
    monkeypatch.setattr(links, "_zero_test", lambda *args: SymbolicResult(True, (), "any"))
    v = decide(write_catalog, "scalar", "diff(x**2, x)",
               "2*x + sqrt(-1)*(log(exp(sqrt(-1)*x)) - x*sqrt(-1))")  # BRANCH, spelt anew
    assert v.kind is Kind.REFUTED
