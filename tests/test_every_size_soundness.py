"""Proofs for every size never claim what is false (issue 16, route 3).

Each false claim here is confirmed false by plain Python at one concrete size
(the usual convention: an empty sum is 0), never by bpcheck itself; then bpcheck
must not call it VERIFIED, and where the numbers can see it, must refute it.
"""
from __future__ import annotations

import random

import pytest
import sympy as sp

from bpcheck.catalog.files import load_catalog, setting_names
from bpcheck.catalog.formula import parse
from bpcheck.decide import every_size as es
from bpcheck.decide import every_size_numeric as num
from bpcheck.decide.claim import verify_claim
from bpcheck.decide.every_size_sound import Domain, index_problem
from bpcheck.model import Kind, Options
from bpcheck.symbolic.evaluate import Evaluator

HEADER = """
[setting.s]
kind = "scalar"
integers = ["i", "j", "k", "l", "n", "m", "p", "q", "r", "t"]
indexed = ["z", "w"]
"""
SOFTMAX = "exp(z[j]) / Sum(exp(z[k]), (k, 1, n))"
W5 = "w[j]*w[p]*w[q]*w[r]*w[t]"
CLAIMS = {
    # false for odd i: δ(i, 2k) has no integer solution k
    "even-index": ('{ i = "0..n" }', "diff(Sum(z[2*k]**2, (k, 0, n)), z[i])", "2*z[i]", ""),
    "even-index-6": ('{ i = "0..n", j = "1..m", p = "1..m", q = "1..m", r = "1..m", '
                     't = "1..m" }', f"diff(Sum(z[2*k]**2, (k, 0, n)), z[i]) + {W5}",
                     f"2*z[i] + {W5}", ""),
    # false for n < 4 (empty sum is 0), true under SymPy's Karr convention
    "karr-5": ('{ i = "1..n" }', "Sum(z[i], (k, 5, n))", "(n - 4)*z[i]", ""),
    # false only at n = 1, where the sizes 2..4 of old never looked
    "karr-n1": ('{ i = "1..n" }', "Sum(z[i], (k, 1, n - 2))", "(n - 2)*z[i]", ""),
    # δ(k, 0) for a k that runs from 0: false at every n (the term z[0] is dropped)
    "delta-at-0": ('{ i = "1..n" }', "Sum(KroneckerDelta(k, 0)*z[k], (k, 0, n)) + z[i]",
                   "z[i]", ""),
    "index-0": ('{ i = "0..n" }', "diff(Sum(z[k]**2, (k, 0, n)), z[i]) + KroneckerDelta(i, 0)",
                "2*z[i]", ""),
    # true claims
    "softmax-off-diagonal": ('{ i = "1..n", j = "1..n" }', f"diff({SOFTMAX}, z[i])",
                             f"-{SOFTMAX} * exp(z[i]) / Sum(exp(z[k]), (k, 1, n))", "i != j"),
    "softmax-diagonal": ('{ i = "1..n", j = "1..n" }', f"diff({SOFTMAX}, z[i])",
                         f"{SOFTMAX} * (1 - exp(z[i]) / Sum(exp(z[k]), (k, 1, n)))", "i == j"),
    "chain-interior": ('{ i = "2..n-1" }', "diff(Sum(z[k]*z[k+1], (k, 1, n-1)), z[i])",
                       "z[i+1] + z[i-1]", ""),
    "from-zero": ('{ i = "0..n" }', "diff(Sum(z[k]**2, (k, 0, n)), z[i])", "2*z[i]", ""),
    "empty-at-n1": ('{ i = "1..n" }', "Sum((k - 2)*z[i], (k, 3, n))",
                    "(n - 2)*(n - 1)/2*z[i]", ""),
    # Σ_{k=3}^{n} k = (n − 2)(n + 3)/2 for n ≥ 2 only: at n = 1 it is −2 (Karr), not 0
    "karr-closed-form": ('{ i = "1..n" }', "Sum(k*z[i], (k, 3, n))", "(n - 2)*(n + 3)/2*z[i]",
                         ""),
    "nested-bounds": ('{ i = "1..n" }', "Sum(Sum(z[i]**0, (k, 1, l)), (l, 1, n))",
                      "n*(n + 1)/2", ""),
    # false: the off-diagonal formula with the wrong sign, under the condition
    "softmax-off-diagonal-sign": ('{ i = "1..n", j = "1..n" }', f"diff({SOFTMAX}, z[i])",
                                  f"{SOFTMAX} * exp(z[i]) / Sum(exp(z[k]), (k, 1, n))",
                                  "i != j"),
    # false only from n = 5: the sizes 1..4 the numbers check all see 0 = 0
    "zero-below-5": ('{ i = "1..n" }', "Sum(z[i], (k, 1, n))",
                     "(n + (n - 1)*(n - 2)*(n - 3)*(n - 4))*z[i]", ""),
    # true, but float64 cancels every digit of z[k] against 10**16
    "rounding-only": ('{ i = "1..n" }', "Sum((z[k] + 10**8)**2 - 10**16 - 2*10**8*z[k], (k, 1, n))",
                      "Sum(z[k]**2, (k, 1, n))", ""),
}
FALSE = ["even-index", "even-index-6", "karr-5", "karr-n1", "karr-closed-form", "delta-at-0", "index-0",
         "softmax-off-diagonal-sign"]
TRUE = ["softmax-off-diagonal", "softmax-diagonal", "chain-interior", "from-zero",
        "empty-at-n1", "nested-bounds"]


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    body = HEADER
    for cid, (where, q, f, when) in CLAIMS.items():
        body += (f'\n[[claim]]\nid = "{cid}"\nsource = "test"\nsetting = "s"\n'
                 f'strategy = "indexed"\nwhere = {where}\nquantity = "{q}"\nformula = "{f}"\n')
        body += f'when = "{when}"\n' if when else ""
    path = tmp_path_factory.mktemp("every_size") / "cat.toml"
    path.write_text(body, encoding="utf-8")
    catalog = load_catalog([path])
    assert not catalog.errors
    return {c.id: c for c in catalog.claims}


def _z(seed: int = 1) -> dict[int, float]:
    rng = random.Random(seed)
    return {k: rng.uniform(-2, 2) for k in range(-2, 20)}


def test_the_false_claims_are_false_by_hand():
    """The oracle: each false claim at one concrete point, in plain Python."""
    z = _z()
    n, i = 2, 1  # Σ_{k=0}^{n} z[2k]² by z[1]: no term has 2k = 1
    assert sum(2 * z[2 * k] for k in range(n + 1) if 2 * k == i) == 0 != 2 * z[i]
    n, i = 2, 1  # an empty sum is 0; the claim says (n - 4) z[i] = -2 z[i]
    assert sum(z[i] for _ in range(5, n + 1)) == 0 != (n - 4) * z[i]
    n, i = 1, 1
    assert sum(z[i] for _ in range(1, n - 2 + 1)) == 0 != (n - 2) * z[i]
    assert sum(k * z[i] for k in range(3, n + 1)) == 0 != (n - 2) * (n + 3) / 2 * z[i]
    n, i = 1, 1  # Σ_{k=0}^{n} δ(k, 0) z[k] = z[0]
    assert sum(z[k] * (k == 0) for k in range(n + 1)) + z[i] != z[i]
    n, i = 1, 0  # ∂/∂z[0] Σ z[k]² + δ(0, 0) = 2 z[0] + 1
    assert 2 * z[i] + 1 != 2 * z[i]
    import math  # softmax off the diagonal: ∂a_j/∂z_i = −a_j a_i, not + a_j a_i
    zs = [z[1], z[2]]
    s = sum(math.exp(v) for v in zs)
    a = [math.exp(v) / s for v in zs]
    h = 1e-6
    moved = [math.exp(zs[1]) / (math.exp(zs[0] + h) + math.exp(zs[1]))]
    slope = (moved[0] - a[1]) / h
    assert abs(slope + a[1] * a[0]) < 1e-5 and abs(slope - a[1] * a[0]) > 1e-3


@pytest.mark.parametrize("cid", FALSE)
def test_false_every_size_claims_are_refuted(claims, cid):
    v = verify_claim(claims[cid], Options(diagnose=False))
    assert v.kind is Kind.REFUTED


@pytest.mark.parametrize("cid", TRUE)
def test_true_every_size_claims_are_proved(claims, cid):
    v = verify_claim(claims[cid], Options(diagnose=False))
    assert v.kind is Kind.VERIFIED, v.links[0].reason


def _diff(claim):
    world = es._world(claim)
    names = setting_names(claim.setting)
    sides = [Evaluator(world, {}).eval(parse(s, names).tree) for s in claim.sides]
    ranges = es._ranges(claim, world)
    sizes = {world.constants[n] for n in ("n", "m")}
    return sp.sympify(sides[0] - sides[1]), Domain(ranges), sizes


@pytest.mark.parametrize("cid", ["even-index", "karr-5", "karr-n1", "karr-closed-form"])
def test_no_symbolic_proof_of_a_false_claim(claims, cid):
    """The proof alone (numbers aside) is not claimed: integrality and empty sums."""
    diff, domain, sizes = _diff(claims[cid])
    assert es._proved(diff, domain, sizes, None, []) != ""


def test_a_delta_with_coefficient_two_is_not_summed():
    k, i, n = sp.symbols("k i n", integer=True)
    z = sp.IndexedBase("z")
    assert index_problem(sp.Sum(sp.KroneckerDelta(i, 2 * k) * z[2 * k], (k, 0, n)))
    assert index_problem(sp.Sum(sp.KroneckerDelta(i, k + 1) * z[k], (k, 0, n))) is None
    assert index_problem(sp.Sum(z[k], (k, 0, n / 2)))


def test_empty_sums_at_small_sizes_are_proved_case_by_case(claims):
    diff, domain, sizes = _diff(claims["empty-at-n1"])
    steps: list = []
    assert es._proved(diff, domain, sizes, None, steps) == ""
    assert [s.label for s in steps].count("case") == 2  # n = 1, then n >= 2


def test_the_numeric_check_covers_every_index_at_the_smallest_sizes(claims):
    world = es._world(claims["even-index-6"])
    ranges = es._ranges(claims["even-index-6"], world)
    m, n = world.constants["m"], world.constants["n"]
    plan = num.plan(ranges, [m, n], None, seed=0)
    seen = {(s[m], s[n], idx) for s, idx in plan.assignments}
    for mm, nn in [(1, 1), (1, 2), (2, 1)]:
        for i in range(0, nn + 1):
            assert (mm, nn, (i,) + (1,) * 5) in seen or mm > 1
    assert any(idx[0] % 2 for _, idx in plan.assignments)
    at_44 = [idx for s, idx in plan.assignments if (s[m], s[n]) == (4, 4)]
    assert (0, 1, 1, 1, 1, 1) in at_44 and (4, 4, 4, 4, 4, 4) in at_44  # the boundaries
    assert "every index assignment at m + n ≤" in plan.text


def test_the_when_condition_skips_assignments(claims):
    claim = claims["softmax-off-diagonal"]
    world = es._world(claim)
    ranges = es._ranges(claim, world)
    when = sp.Ne(world.constants["i"], world.constants["j"])
    plan = num.plan(ranges, [world.constants["n"]], when, seed=0)
    assert plan.assignments and all(a != b for _, (a, b) in plan.assignments)
    assert len(plan.assignments) == sum(n * (n - 1) for n in num.SIZES)


def test_the_scope_says_what_was_checked_numerically(claims):
    v = verify_claim(claims["from-zero"], Options(diagnose=False))
    assert "checked numerically at n = 1..4, every index assignment (14)" in v.scope


def test_an_empty_sum_is_zero_in_both_numeric_paths():
    """SymPy's written-out form (the fallback and the counterexample) and the direct
    walk: Σ_{k=5}^{2} is 0, not Karr's −Σ_{k=3}^{4}."""
    k, n = sp.symbols("k n", integer=True)
    z = sp.IndexedBase("z")
    empty = sp.Sum(z[k], (k, 5, n))
    assert num.concrete(empty, {n: 2}) == 0
    assert num.Direct(seed=0, points=3).value(empty, {n: 2}) == 0.0
    assert num.concrete(sp.Sum(z[k], (k, 1, n)), {n: 2}) != 0


# ---- pinned by mutation testing (benchmarks/mutate_soundness.py) -------------------------

def test_a_claim_false_only_beyond_the_checked_sizes_is_not_verified(claims):
    """The numbers see sizes 1..4 only: the proof must be of the two sides' difference."""
    z = _z()
    for n in range(1, 6):
        i = 1
        left, right = sum(z[i] for _ in range(1, n + 1)), (n + (n-1)*(n-2)*(n-3)*(n-4)) * z[i]
        assert (abs(left - right) > 1) == (n == 5)
    v = verify_claim(claims["zero-below-5"], Options(diagnose=False))
    assert v.kind is Kind.INCONCLUSIVE


def test_float64_rounding_at_a_concrete_size_is_no_refutation(claims):
    """The walk's float64 mismatch does not hold in high precision: never REFUTED."""
    from fractions import Fraction
    for zk in (Fraction(1, 3), Fraction(-7, 5), Fraction(12345, 678)):
        assert (zk + 10**8)**2 - 10**16 - 2 * 10**8 * zk == zk**2
    v = verify_claim(claims["rounding-only"], Options(diagnose=False))
    assert v.kind is not Kind.REFUTED and v.links[0].counterexample is None
