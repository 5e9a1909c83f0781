"""Issue 9: diagnosis of refuted formulas, minimal counterexamples, the three-way cross-check.

A diagnosis and a shrunk network are confirmed by an oracle independent of `verify_claim`
(which they rely on): the formula evaluated in NumPy against the reference backprop."""
import pytest
import sympy as sp

import bpcheck.symbolic.linalg as la
import bpcheck.decide.claim as claim_mod
import bpcheck.decide.worlds as worlds_mod
import bpcheck.explain.shrink as shrink_mod
from bpcheck.catalog.files import load_catalog
from bpcheck.numeric.crosscheck import ReferenceResult
from bpcheck.model import Kind, Options
from bpcheck.numeric.threeway import judge
from bpcheck.run.check import check_claim

from conftest import NET, claim_toml
from numpy_formula import Network, bindings

BATCH = """
[setting.batch]
kind = "network"
widths = [3, 2]
activation = "sigmoid"
output = "softmax"
loss = "cross_entropy"
target = "onehot"
batch = 3
reduction = "mean"
"""


def check(write_catalog, setting, quantity, formula, options=Options(), **extra):
    path = write_catalog(claim_toml("c", setting, quantity, formula, **extra), header=NET + BATCH)
    (claim,) = load_catalog([path]).claims
    return claim, check_claim(claim, options)


REC = "fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])"
PLANTED = [  # (setting, quantity, planted formula, where, expected edit kinds)
    ("net", "diff(J, z[L])", "-(a[L] - y) ⊙ fprime(z[L])", None, {"sign"}),
    ("net", "diff(J, z[l])", "fprime(z[l]) ⊙ (W[l+1] * delta[l+1])", "l = \"1..L-1\"",
     {"transpose-extra"}),
    ("net", "diff(J, z[l])", "transpose(W[l+1]) * delta[l+1]", "l = \"1..L-1\"", {"fprime-extra"}),
    ("net", "diff(J, z[l])", "fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l])", "l = \"1..L-1\"",
     {"layer"}),
    ("net", "diff(J, z[l][i])", "sum(W[l+1][i, j] * delta[l+1][j], (j, 1, n[l+1])) * fprime(z[l][i])",
     "l = \"1..L-1\", i = \"1..n[l]\"", {"index-swap"}),
    ("net", "diff(J, W[l])", "2 * delta[l] * transpose(a[l-1])", "l = \"1..L\"", {"factor-half"}),
    ("net", "diff(J, z[L])", "-(y - a[L]) ⊙ fprime(z[L]) / 2", None, {"factor-2"}),
    ("batch", "diff(J, z[L])", "a[L] - y", None, {"batch-mean"}),
    ("net", "diff(J, W[l])", "transpose(a[l-1]) * delta[l]", "l = \"1..L\"", {"operands"}),
]
REFERENCE = {  # each setting above as an instance of the NumPy reference network
    "net": dict(widths=(4, 3, 2)),
    "batch": dict(widths=(3, 2), output="softmax", loss="cross_entropy", batch=3,
                  reduction="mean"),
}


def reference_agrees(setting, quantity, formula, where, widths=None, seeds=(0, 1, 2)):
    """The oracle independent of `verify_claim`: the formula evaluated in NumPy against
    the reference backprop's gradient, for every binding of `where`, at random networks."""
    spec = {**REFERENCE[setting], **({"widths": tuple(widths)} if widths else {})}
    return all(Network(**spec, seed=s).agrees(quantity, formula, bindings(where, spec["widths"]))
               for s in seeds)


@pytest.mark.parametrize("setting, quantity, formula, where, kinds", PLANTED,
                         ids=[p[4].copy().pop() for p in PLANTED])
def test_the_reference_oracle_tells_planted_from_true(setting, quantity, formula, where, kinds):
    """The oracle is not vacuous: it rejects every planted error."""
    assert not reference_agrees(setting, quantity, formula, where)


def test_the_reference_oracle_accepts_the_true_forms():
    rec = "fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])"
    assert reference_agrees("net", "diff(J, z[l])", rec, 'l = "1..L-1"')
    assert reference_agrees("net", "diff(J, W[l])", "delta[l] * transpose(a[l-1])", 'l = "1..L"')
    assert reference_agrees("batch", "diff(J, z[L])", "(a[L] - y) / 3", None)


@pytest.mark.parametrize("setting, quantity, formula, where, kinds", PLANTED,
                         ids=[p[4].copy().pop() for p in PLANTED])
def test_planted_error_is_diagnosed_and_repair_verified(write_catalog, setting, quantity,
                                                        formula, where, kinds):
    extra = {"where": "{ " + where + " }"} if where else {}
    claim, v = check(write_catalog, setting, quantity, formula, **extra)
    assert v.kind is Kind.REFUTED
    edits = dict(v.extra).get("diagnosis_edits")
    assert edits and set(edits) == kinds, v.diagnosis
    assert reference_agrees(setting, quantity, v.corrected, where), v.corrected


def test_two_independent_errors_get_both_edits(write_catalog):
    claim, v = check(write_catalog, "net", "diff(J, z[l])",
                     "-(fprime(z[l]) ⊙ (W[l+1] * delta[l+1]))", where='{ l = "1..L-1" }')
    assert v.kind is Kind.REFUTED
    edits = dict(v.extra).get("diagnosis_edits")
    assert sorted(edits or ()) == ["sign", "transpose-extra"], v.diagnosis
    assert reference_agrees("net", "diff(J, z[l])", v.corrected, 'l = "1..L-1"'), v.corrected


def test_unrepairable_formula_gets_no_guess(write_catalog):
    _, v = check(write_catalog, "scalar", "diff(x**3, x)", "exp(x) + 7")
    assert v.kind is Kind.REFUTED
    assert v.corrected == "" and "no simple repair" in v.diagnosis


def test_counterexample_shrinks_to_smallest_widths_and_simple_values(write_catalog):
    claim, v = check(write_catalog, "net", "diff(J, z[L])", "(y - a[L]) ⊙ fprime(z[L])")
    assert v.kind is Kind.REFUTED
    assert dict(v.extra)["minimal_widths"] == (1, 1, 1)
    assert not reference_agrees("net", "diff(J, z[L])", claim.sides[1], None, (1, 1, 1))
    cx = v.counterexample
    simple = sum(1 for _, x in cx.inputs if x in (0.0, 1.0, -1.0, 0.5))
    assert simple >= len(cx.inputs) - 2
    assert cx.lhs[0] == pytest.approx(-cx.rhs[0]) and cx.rel_err == pytest.approx(2.0)


def test_missing_transpose_shrinks_but_keeps_a_non_square_layer(write_catalog):
    claim, v = check(write_catalog, "net", "diff(J, z[l])", "fprime(z[l]) ⊙ (W[l+1] * delta[l+1])",
                     where='{ l = "1..L-1" }')
    widths = dict(v.extra)["minimal_widths"]
    assert sum(widths) < 4 + 3 + 2
    where = 'l = "1..L-1"'
    assert not reference_agrees("net", "diff(J, z[l])", claim.sides[1], where, widths)
    for k in range(len(widths)):  # minimal: one layer narrower and the error no longer shows
        if widths[k] > 1:
            narrower = widths[:k] + (widths[k] - 1,) + widths[k + 1:]
            assert reference_agrees("net", "diff(J, z[l])", claim.sides[1], where, narrower)


def test_sampling_at_a_relu_kink_never_decides(write_catalog):
    header = NET + '\n[setting.at_kink]\nkind = "scalar"\nsymbols = ["x"]\nsample = { x = [-1e-5, 1e-5] }\n'
    path = write_catalog(claim_toml("c", "at_kink", "diff(relu(x), x)", "0 * x"), header=header)
    (claim,) = load_catalog([path]).claims
    v = check_claim(claim)
    assert v.kind is Kind.INCONCLUSIVE  # only kink points were available: nothing decided
    # Not a derivative, so no three-way cross-check (finite differences across the kink)
    # makes it INCONCLUSIVE on its own; false for x < 0, but every point in the declared
    # range is a kink point: the search beyond the box keeps the range, nothing decides.
    path = write_catalog(claim_toml("d", "at_kink", "relu(x)", "x"), header=header, name="d.toml")
    (claim,) = load_catalog([path]).claims
    v = check_claim(claim)
    assert v.kind is Kind.INCONCLUSIVE and v.counterexample is None


def test_relu_claim_differing_only_at_zero_is_verified_with_its_convention(write_catalog):
    _, v = check(write_catalog, "scalar", "diff(relu(x), x)", "piecewise((1, x >= 0), (0, True))")
    assert v.kind is Kind.VERIFIED and "subgradient" in v.scope


@pytest.fixture
def broken_sympy(monkeypatch):
    """Inject a wrong symbolic derivative (every derivative 0.1% too large), on both
    ways the verifier takes one: F expanded with X held, and the reverse pass."""
    import bpcheck.symbolic.evaluate as evaluate_mod
    real = la.derivative
    monkeypatch.setattr(la, "derivative",
                        lambda f, var, layout, *how: real(f, var, layout, *how) * 1.001)
    real_gradient = evaluate_mod.gradient

    def wrong_gradient(world, f, x):
        grad = real_gradient(world, f, x)
        return None if grad is None else [g * sp.Rational(1001, 1000) for g in grad]
    monkeypatch.setattr(evaluate_mod, "gradient", wrong_gradient)
    monkeypatch.setattr(worlds_mod, "_SIDES", {})
    monkeypatch.setattr(worlds_mod, "_WORLDS", {})  # fresh derivative memos too
    yield
    worlds_mod._SIDES.clear()


def test_broken_symbolic_engine_is_caught_on_a_network(write_catalog, broken_sympy):
    _, v = check(write_catalog, "net", "diff(J, W[l])", "delta[l] * transpose(a[l-1])",
                 where='{ l = "1..L" }')
    assert v.kind is Kind.INCONCLUSIVE  # never VERIFIED, though both sides agree symbolically
    assert dict(v.links[0].numeric)["crosscheck"] == "symbolic engine"


def test_broken_symbolic_engine_is_caught_on_a_scalar(write_catalog, broken_sympy):
    _, v = check(write_catalog, "scalar", "diff(x**3, x)", "diff(x**3, x)")
    assert v.kind is Kind.INCONCLUSIVE
    assert dict(v.links[0].numeric)["crosscheck"] == "symbolic engine"


def test_three_way_labels():
    ok_ref, bad_ref = ReferenceResult(True, 6, 0.0, 0.0), ReferenceResult(False, 6, 1.0, 1.0)
    assert judge((True, 0, 0, ""), ok_ref).label == "agree"
    noise = judge((False, 1e-3, 1e-3, "plateau"), ok_ref)
    assert noise.trusted and noise.label == "finite-difference noise"
    ref = judge((True, 0, 0, ""), bad_ref)
    assert not ref.trusted and ref.label == "reference"
    engine = judge((False, 1.0, 1.0, "plateau"), None)
    assert not engine.trusted and engine.label == "symbolic engine"


def test_a_candidate_is_checked_like_a_parsed_formula(write_catalog):
    """Only the nodes an edit made are checked again, and an unknown name is refused."""
    import ast
    from bpcheck.explain.diagnose import _Search
    from bpcheck.explain.edits import Edit, edits
    path = write_catalog(claim_toml("c", "net", "diff(J, z[L])", "(a[L] - y) ⊙ fprime(z[L])"),
                         header=NET)
    (claim,) = load_catalog([path]).claims
    search = _Search(claim, claim.sides[0], claim.sides[1], Options(), {"J", "z", "a", "y", "L"})
    found = list(edits(claim.sides[1]))
    assert found and all(search.valid(e) for e in found)
    base = found[0].tree.body
    unknown = Edit("sign", ast.Expression(ast.BinOp(base, ast.Sub(), ast.Name("q", ast.Load()))),
                   lambda: ("", ""))
    assert not search.valid(unknown)
    attribute = Edit("sign", ast.Expression(ast.Attribute(base, "real", ast.Load())),
                     lambda: ("", ""))
    assert not search.valid(attribute)
    again = Edit("sign", ast.Expression(ast.UnaryOp(ast.USub(), base)), lambda: ("", ""))
    assert search.valid(again)  # shares every node but its root with a checked candidate


def test_smallest_network_is_tried_first(write_catalog, monkeypatch):
    """An error that shows at width 1 everywhere is shrunk in one trial, not one per layer."""
    from bpcheck.explain import shrink
    claim, v = check(write_catalog, "net", "diff(J, z[L])", "(y - a[L]) ⊙ fprime(z[L])")
    tried = []
    real = shrink_mod.link_refuted

    def spy(trial, options, link):
        tried.append(trial.setting.get("widths"))
        return real(trial, options, link)
    monkeypatch.setattr(shrink_mod, "link_refuted", spy)
    assert shrink.minimal_widths(claim, v, Options()) == (1, 1, 1)
    assert tried == [(1, 1, 1)]


def test_a_verified_repair_is_decided_once_with_the_catalogs_correction(write_catalog,
                                                                        monkeypatch):
    """The correction, written with other spacing, reuses the links the diagnosis decided."""
    body = (claim_toml("wrong", "net", "diff(J, z[L])", "(y - a[L]) ⊙ fprime(z[L])",
                       expect='"erratum"')
            + claim_toml("fixed", "net", "diff(J, z[L])", "(a[L]-y)⊙fprime(z[L])"))
    claims = load_catalog([write_catalog(body)]).claims
    decided = []
    real = claim_mod.check_links

    def spy(claim, options):
        decided.append(claim.id)
        return real(claim, options)
    monkeypatch.setattr(worlds_mod, "_WORLDS", {})
    monkeypatch.setattr(claim_mod, "check_links", spy)
    wrong, fixed = (check_claim(c, Options(shrink=False)) for c in claims)
    assert wrong.kind is Kind.REFUTED and fixed.kind is Kind.VERIFIED
    assert wrong.corrected and "fixed" not in decided  # decided as the diagnosis's repair
    assert [lk.kind for lk in fixed.links] == [Kind.VERIFIED]


def test_claims_taking_the_same_derivative_share_its_three_way_check(write_catalog, monkeypatch):
    import bpcheck.numeric.threeway as threeway
    body = (claim_toml("one", "net", "diff(J, W[l])", "delta[l] * transpose(a[l-1])",
                       where='{ l = "1..L" }')
            + claim_toml("two", "net", "diff(J, W[l])", "transpose(a[l-1] * transpose(delta[l]))",
                         where='{ l = "1..L" }'))
    claims = load_catalog([write_catalog(body)]).claims
    checked = []
    real = threeway._finite_differences

    def spy(world, tree, value, case, options, kinked=True):
        checked.append(dict(case)["l"])
        return real(world, tree, value, case, options, kinked)
    monkeypatch.setattr(worlds_mod, "_WORLDS", {})
    monkeypatch.setattr(threeway, "_finite_differences", spy)
    one, two = (check_claim(c, Options(shrink=False)) for c in claims)
    assert one.kind is two.kind is Kind.VERIFIED
    assert sorted(checked) == [1, 2]  # each layer's derivative checked once, not twice
    assert dict(two.links[0].numeric)["crosscheck"] == "agree"
