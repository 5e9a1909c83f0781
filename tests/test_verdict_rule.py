"""The verdict rule, pinned: VERIFIED needs a proof of every entry of every link *and*
agreeing numbers; numbers that agree without a proof are INCONCLUSIVE; a chain is only as
good as its weakest link; an erratum meets its expectation only when REFUTED.

Each test here was seen to fail on a one-line change of the rule (issue 16): treating
"numbers agree, no proof" as verified, `all` -> `any` over a chain's links or a matrix's
entries, a zero test that takes "not known to be non-zero" for zero, an expectation rule
that accepts an erratum ending ERROR or INCONCLUSIVE.  benchmarks/mutate_soundness.py runs
these tests against every mutant of that code.

Two kinds of claims whose numbers agree but which the zero test cannot prove:
- TRUE_UNPROVED: true for every real x (checked here with plain NumPy), beyond the zero
  test (a square root of a perfect square, softplus rewritten): must be INCONCLUSIVE.
- CLOSE_BUT_FALSE: false, but off by a relative 1e-10, below the numeric tolerance: never
  VERIFIED (INCONCLUSIVE, or REFUTED if a refutation search finds the difference).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from bpcheck import cli
from bpcheck.catalog.files import load_catalog
from bpcheck.decide.claim import verify_claim
from bpcheck.model import Expect, Kind, Options, expected_ok

from conftest import NET, claim_toml

HEADER = NET + """
[setting.vec]
kind = "scalar"
vectors = { v = 3 }

[setting.xy]
kind = "scalar"
symbols = ["x", "y"]
"""

# (quantity, formula): equal for every real x, not provable by the zero test
TRUE_UNPROVED = [
    ("x**2 + 1", "sqrt(x**4 + 2*x**2 + 1)"),
    ("log(exp(x) + 1)", "x + log(1 + exp(-x))"),
]
UNPROVED = {"sqrt": TRUE_UNPROVED[0], "softplus": TRUE_UNPROVED[1]}
CLOSE_BUT_FALSE = ("diff(x**2, x)", "2*x + x/10**10")  # relative error 5e-11 everywhere
NEVER_VERIFIED = (Kind.INCONCLUSIVE, Kind.REFUTED)


def decide(write_catalog, setting, quantity, formula, options=Options(), **extra):
    path = write_catalog(claim_toml("c", setting, quantity, formula, **extra), header=HEADER)
    cat = load_catalog([path])
    assert cat.errors == ()
    return verify_claim(cat.claims[0], options)


def decide_chain(write_catalog, setting, quantity, members, **extra):
    chain = "[" + ", ".join(f'"{m}"' for m in members) + "]"
    body = "\n".join(["[[claim]]", 'id = "c"', 'source = "test"', f'setting = "{setting}"',
                      f'quantity = "{quantity}"', f"chain = {chain}"]
                     + [f"{k} = {v}" for k, v in extra.items()]) + "\n"
    cat = load_catalog([write_catalog(body, header=HEADER)])
    assert cat.errors == ()
    return verify_claim(cat.claims[0])


def test_the_unproved_identities_are_true_by_an_independent_oracle():
    """Plain NumPy, far beyond the sampled range: the premise of the tests below."""
    x = np.random.default_rng(16).uniform(-30, 30, 10_000)
    assert np.allclose(np.sqrt(x**4 + 2 * x**2 + 1), x**2 + 1, rtol=1e-12)
    assert np.allclose(np.logaddexp(0, x), x + np.log1p(np.exp(-x)), rtol=1e-12)
    assert not np.array_equal(2 * x + x / 1e10, 2 * x)  # and the close one is false


# ---- a scalar: numbers agree, no proof ---------------------------------------------------

@pytest.mark.parametrize("quantity, formula", TRUE_UNPROVED, ids=list(UNPROVED))
def test_true_scalar_without_proof_is_inconclusive(write_catalog, quantity, formula):
    v = decide(write_catalog, "scalar", quantity, formula)
    assert v.kind is Kind.INCONCLUSIVE and not v.ok
    evidence = dict(v.links[0].numeric)
    assert evidence["points"] > 0 and evidence["max_rel_err"] < 1e-7  # the numbers did agree
    assert v.links[0].counterexample is None


def test_false_scalar_within_tolerance_is_never_verified(write_catalog):
    v = decide(write_catalog, "scalar", *CLOSE_BUT_FALSE)
    assert v.kind in NEVER_VERIFIED and not v.ok


# ---- one entry of a vector or matrix --------------------------------------------------

def test_vector_with_one_unproved_entry_is_inconclusive(write_catalog):
    v = decide(write_catalog, "vec", "col(v[1]**2 + 1, 2*v[2], v[3])",
               "col(sqrt(v[1]**4 + 2*v[1]**2 + 1), 2*v[2], v[3])")
    assert v.kind is Kind.INCONCLUSIVE and not v.ok


def test_vector_with_one_proved_entry_only_is_inconclusive(write_catalog):
    """Only the first entry is provable: proving one entry proves nothing about the rest."""
    v = decide(write_catalog, "vec", "col(2*v[1], v[2]**2 + 1, log(exp(v[3]) + 1))",
               "col(v[1] + v[1], sqrt(v[2]**4 + 2*v[2]**2 + 1), v[3] + log(1 + exp(-v[3])))")
    assert v.kind is Kind.INCONCLUSIVE and not v.ok


def test_matrix_false_in_one_entry_is_never_verified(write_catalog):
    """Three entries provably equal, the fourth false by a relative 1e-10 (below tolerance)."""
    v = decide(write_catalog, "xy", "matrix((x, 2*y), (x*y, x + y))",
               "matrix((x, y + y), (y*x, x + y + x/10**10))")
    assert v.kind in NEVER_VERIFIED and not v.ok


def test_matrix_false_in_one_entry_first_entry_false(write_catalog):
    """The same with the false entry first (a rule that stops at the first proved entry)."""
    v = decide(write_catalog, "xy", "matrix((x*(1 + 1/10**10), 2*y), (x*y, x + y))",
               "matrix((x, y + y), (y*x, x + y))")
    assert v.kind in NEVER_VERIFIED and not v.ok


def test_matrix_true_in_every_entry_is_verified(write_catalog):
    """The control: the rule is not simply 'never VERIFIED'."""
    v = decide(write_catalog, "xy", "matrix((x, 2*y), (x*y, x + y))",
               "matrix((x, y + y), (y*x, y + x))")
    assert v.kind is Kind.VERIFIED and v.ok


# ---- one link of a chain ----------------------------------------------------------------

@pytest.mark.parametrize("members", [
    ["2*x", "2*x + x/10**10"],           # the last link unproved (and false)
    ["2*x + x/10**10", "2*x"],           # the first link unproved
    ["x + x", "2*x", "x*2 + x/10**10"],  # two proved links, then an unproved one
], ids=["last", "first", "third"])
def test_chain_with_a_close_but_false_link_is_never_verified(write_catalog, members):
    v = decide_chain(write_catalog, "scalar", "diff(x**2, x)", members)
    assert v.kind in NEVER_VERIFIED and not v.ok
    assert any(link.kind is not Kind.VERIFIED for link in v.links)


def test_chain_with_one_true_unproved_link_is_inconclusive(write_catalog):
    v = decide_chain(write_catalog, "scalar", "x**2 + 1",
                     ["1 + x**2", "sqrt(x**4 + 2*x**2 + 1)", "x*x + 1"])
    assert v.kind is Kind.INCONCLUSIVE and not v.ok
    assert [lk.kind for lk in v.links] == [Kind.VERIFIED, Kind.INCONCLUSIVE, Kind.INCONCLUSIVE]
    assert v.reason == v.links[1].reason  # the first link that is not proved is the reason


def test_chain_with_one_refuted_link_is_refuted(write_catalog):
    v = decide_chain(write_catalog, "scalar", "diff(x**2, x)", ["2*x", "3*x", "2*x"])
    assert v.kind is Kind.REFUTED and not v.ok
    assert v.first_broken == 1 and v.links[1].kind is Kind.REFUTED
    assert v.links[0].kind is Kind.VERIFIED
    assert v.ends_agree is True  # 2x = 2x: the chain's two ends still agree


def test_single_refuted_link_has_no_chain_ends(write_catalog):
    v = decide(write_catalog, "scalar", "diff(x**2, x)", "3*x")
    assert v.kind is Kind.REFUTED and v.first_broken == 0 and v.ends_agree is None


def test_chain_refuted_beats_unproved(write_catalog):
    """An unproved link before a refuted one: the chain is REFUTED, at the refuted link."""
    v = decide_chain(write_catalog, "scalar", "x**2 + 1",
                     ["sqrt(x**4 + 2*x**2 + 1)", "x**2 + 1", "x**2 + 2"])
    assert v.kind is Kind.REFUTED and v.first_broken == 2


def test_chain_of_proved_links_is_verified(write_catalog):
    v = decide_chain(write_catalog, "scalar", "diff(x**2, x)", ["x + x", "2*x"])
    assert v.kind is Kind.VERIFIED and v.ok
    assert [lk.kind for lk in v.links] == [Kind.VERIFIED, Kind.VERIFIED]


# ---- the expectation rule ------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("expect", list(Expect))
def test_expected_ok_table(kind, expect):
    """An erratum is as expected only when REFUTED, a claim that holds only when VERIFIED."""
    want = kind is (Kind.REFUTED if expect is Expect.ERRATUM else Kind.VERIFIED)
    assert expected_ok(kind, expect) is want


def test_erratum_that_ends_error_is_not_ok(write_catalog):
    v = decide(write_catalog, "net", "subs(J, z[1], z[1])", "J", expect='"erratum"')
    assert v.kind is Kind.ERROR and v.ok is False


def test_erratum_that_ends_inconclusive_is_not_ok(write_catalog):
    v = decide(write_catalog, "scalar", *UNPROVED["sqrt"], expect='"erratum"')
    assert v.kind is Kind.INCONCLUSIVE and v.ok is False


def test_erratum_that_times_out_is_not_ok(write_catalog, monkeypatch):
    import bpcheck.decide.worlds as worlds_mod  # nothing decided by an earlier test
    monkeypatch.setattr(worlds_mod, "_WORLDS", {})
    monkeypatch.setattr(worlds_mod, "_SIDES", {})
    v = decide(write_catalog, "net", "diff(J, W[l])", "delta[l] * transpose(a[l-1])",
               Options(timeout=0.001), where='{ l = "1..L" }', expect='"erratum"')
    assert v.kind is Kind.INCONCLUSIVE and v.ok is False


def _exit_code(tmp_path, monkeypatch, capsys, body: str) -> tuple[int, list[bool]]:
    """The command's exit code and each claim's `ok` in its JSON output."""
    folder = tmp_path / "course"
    (folder / "derivations").mkdir(parents=True)
    (folder / "derivations" / "c.toml").write_text(HEADER + "\n" + body, encoding="utf-8")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    rc = cli.main(["verify", "--no-cache", "-j", "1", "--format", "json"])
    return rc, [r["ok"] for r in json.loads(capsys.readouterr().out)["results"]]


@pytest.mark.parametrize("quantity, formula, expect, code", [
    ("subs(J, z[1], z[1])", "J", "erratum", 2),    # erratum ending ERROR (ERROR exits 2)
    (*UNPROVED["sqrt"], "erratum", 1),             # erratum ending INCONCLUSIVE
    (*UNPROVED["sqrt"], "holds", 1),               # true claim ending INCONCLUSIVE
    (*CLOSE_BUT_FALSE, "holds", 1),                # false claim the numbers cannot see
], ids=["erratum-error", "erratum-inconclusive", "holds-inconclusive", "holds-close"])
def test_exit_code_when_a_claim_ends_otherwise_than_expected(tmp_path, monkeypatch, capsys,
                                                             quantity, formula, expect, code):
    setting = "net" if quantity.startswith("subs") else "scalar"
    body = claim_toml("c", setting, quantity, formula, expect=f'"{expect}"')
    assert _exit_code(tmp_path, monkeypatch, capsys, body) == (code, [False])


def test_exit_0_for_an_erratum_refuted_and_a_claim_verified(tmp_path, monkeypatch, capsys):
    body = (claim_toml("wrong", "scalar", "diff(x**2, x)", "3*x", expect='"erratum"')
            + claim_toml("right", "scalar", "diff(x**2, x)", "2*x"))
    assert _exit_code(tmp_path, monkeypatch, capsys, body) == (0, [True, True])


# ---- killed mutants of the numeric comparison and the zero test -------------------------

def test_relative_error_in_tiny_values_is_refuted(write_catalog):
    """Values of size 1e-6 off by 1%: the tolerance is atol + rtol·|value|, never rtol/|value|."""
    v = decide(write_catalog, "scalar", "x/10**6", "101*x/10**8")
    assert v.kind is Kind.REFUTED


def test_identity_proved_only_by_simplify_is_verified(write_catalog):
    """The last stage of the zero test runs when the numbers agree (not a fast-path-only proof)."""
    v = decide(write_catalog, "scalar", "sin(x)**2", "(1 - cos(2*x))/2")
    assert v.kind is Kind.VERIFIED and v.ok


def test_zero_test_of_terms_symengine_cannot_hold():
    """Indexed terms (every-size proofs) leave symengine's fast path: the SymPy path must
    still tell a zero numerator from a non-zero one, never take 'not converted' for 0."""
    import sympy as sp
    from bpcheck.symbolic.zero_test import is_zero_rational
    z, i, j = sp.IndexedBase("z"), sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)
    assert is_zero_rational(2 * z[i] - z[i] - z[i]) is True
    assert is_zero_rational(z[i] - z[j]) is False
    assert is_zero_rational(z[i] / 10**10) is False
