"""Issue 19: every refuted formula gets its correction, and every correction is true.

Each edit kind of the repair search is planted in a claim of this file's own; the
diagnosis must name that kind and its corrected formula must equal the quantity by the
mutation oracle (its own interpreter, with the NumPy reference or mpmath: nothing of
`verify_claim`).  Wording is not asserted on."""
import ast

import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.explain.factor import simplest
from bpcheck.explain.tidy import tidy
from bpcheck.model import Expect, Kind, Options
from bpcheck.mutation.oracle import EQUAL, judge
from bpcheck.run.check import check_claim

from conftest import NET, claim_toml

SETTINGS = NET + """
[setting.ce]
kind = "network"
widths = [3, 2, 3]
activation = "sigmoid"
output = "softmax"
loss = "cross_entropy"
target = "onehot"

[setting.pool]
kind = "scalar"
symbols = ["g"]
matrices = { X = [6, 6] }

[setting.conv]
kind = "scalar"
matrices = { X = [5, 5], K = [3, 3], G = [3, 3] }
"""

PLANTED = [  # (kind, setting, quantity, wrong formula, where)
    ("fprime-for-activation", "net", "diff(J, z[L])", "(a[L] - y) ⊙ sigmoid(z[L])", None),
    ("fprime-for-activation", "net", "diff(J, W[l])", "delta[l] * transpose(fprime(z[l-1]))",
     'l = "2..L"'),
    ("activation-derivative", "square", "diff(J, z[L])", "(a[L] - y) ⊙ (a[L] ⊙ (1 - a[L]))",
     None),
    ("jacobian", "softmax", "diff(softmax(z), z)", "diag(softmax(z) ⊙ (1 - softmax(z)))", None),
    ("factor", "pool", "diff(sum(g * meanpool(X, 3)), X)", "g / 3 * ones(6, 6)", None),
    ("factor", "scalar", "diff(x**3, x)", "x**2", None),
    ("index", "net", "z[l][i]", "b[l][i] + sum(W[l][i, k] * a[l-1][i], (k, 1, n[l-1]))",
     'l = "1..L", i = "1..n[l]"'),
    ("bound", "net", "z[l][i]", "b[l][i] + sum(W[l][i, k] * a[l-1][k], (k, 1, n[l]))",
     'l = "1..L", i = "1..n[l]"'),
    ("outer", "net", "diff(J, W[l])", "a[l-1] * transpose(delta[l])", 'l = "1..L"'),
    ("outer", "net", "diff(J, W[l])", "outer(a[l-1], delta[l])", 'l = "1..L"'),
    ("layer", "net", "diff(J, b[l][i]) * a[l-1][j]", "delta[l+1][i] * a[l][j]",
     'l = "1..L-1", i = "1..n[l]", j = "1..n[l-1]"'),
    ("index-drop", "net", "J", "sqnorm(a[L][k] - y) / 2", 'k = "1..n[L]"'),
    ("flip", "conv", "diff(sum(G ⊙ conv2d(X, K)), X)", "conv2d(pad(G, 2), K)", None),
    ("flip", "conv", "diff(sum(G ⊙ conv2d(X, K)), K)", "conv2d(X, rot180(G))", None),
    ("activation-derivative", "square", "diff(J, z[L])", "(a[L] - y) ⊙ a[L] ⊙ (1 - a[L])",
     None),
    ("term-sign", "scalar", "diff(sigmoid(x), x)", "sigmoid(x) * (1 + sigmoid(x))", None),
    ("term-extra", "scalar", "diff(x**2 + sin(x), x)", "2*x + cos(x) + exp(x)", None),
    ("rewrite", "net", "diff(z[l+1][j], z[l][i])", "a[l][i]",
     'l = "1..L-1", i = "1..n[l]", j = "1..n[l+1]"'),
    ("rewrite", "ce", "diff(J, z[L])", "a[L][kt] - 1", None),
]


def diagnosed(write_catalog, setting, quantity, formula, where):
    extra = {"where": "{ " + where + " }"} if where else {}
    path = write_catalog(claim_toml("c", setting, quantity, formula, **extra), header=SETTINGS)
    (claim,) = load_catalog([path]).claims
    return claim, check_claim(claim, Options(shrink=False))


@pytest.mark.parametrize("kind, setting, quantity, formula, where", PLANTED,
                         ids=[f"{p[0]}-{k}" for k, p in enumerate(PLANTED)])
def test_each_slip_is_found_and_its_correction_is_true(write_catalog, kind, setting, quantity,
                                                       formula, where):
    claim, v = diagnosed(write_catalog, setting, quantity, formula, where)
    assert v.kind is Kind.REFUTED
    assert judge(claim, [formula])[0].kind != EQUAL  # the oracle sees the planted error
    kinds = dict(v.extra).get("diagnosis_edits") or []
    assert list(kinds) == [kind], v.diagnosis  # one slip, one edit
    assert judge(claim, [v.corrected])[0].kind == EQUAL, v.corrected


def test_three_edits_combine_where_two_do_not(write_catalog):
    claim, v = diagnosed(write_catalog, "net", "diff(J, z[l])", "-(W[l+1] * delta[l+1])",
                         'l = "1..L-1"')
    kinds = dict(v.extra).get("diagnosis_edits") or []
    assert len(kinds) == 3, v.diagnosis
    assert judge(claim, [v.corrected])[0].kind == EQUAL, v.corrected


def test_an_unrepairable_formula_still_gets_no_guess(write_catalog):
    _, v = diagnosed(write_catalog, "scalar", "diff(x**3, x)", "exp(x) + 7", None)
    assert v.kind is Kind.REFUTED and v.corrected == ""


@pytest.mark.parametrize("text", ["g / 2 * ones(2, 2) / 2", "2 / 3 * (x - 1) * 3",
                                  "-(-(x / 4)) * 2", "x * 3 / 6 * y"])
def test_tidy_folds_numbers_and_keeps_the_value(text):
    before = ast.parse(text, mode="eval")
    after = tidy(before)
    constants = lambda t: sum(isinstance(n, ast.Constant) for n in ast.walk(t))
    assert constants(after) < constants(before)
    values = {"x": 1.7, "y": -0.3, "g": 2.5, "ones": lambda *d: 1.0}
    code = lambda t: compile(ast.unparse(t), "<t>", "eval")
    assert eval(code(after), {}, values) == pytest.approx(eval(code(before), {}, values))


def test_a_fitted_factor_is_the_simplest_fraction_and_never_a_sign():
    assert simplest(1 / 9) == pytest.approx(1 / 9) and simplest(1 / 9).denominator == 9
    assert simplest(0.6666666666666666).denominator == 3
    assert simplest(-2.0) is None and simplest(1.0) is None


def test_the_shipped_errata_get_verified_corrections():
    """At least 19 of the shipped catalog's 21 errata come with a correction; each is a
    formula the oracle finds equal to the broken link's left side where that is the
    quantity (checked link by link elsewhere by `verify_claim`)."""
    claims = load_catalog(["derivations"]).claims
    errata = [c for c in claims if c.expect is Expect.ERRATUM]
    corrected = {}
    for claim in errata:
        v = check_claim(claim, Options(shrink=False))
        assert v.kind is Kind.REFUTED
        if v.corrected:
            corrected[claim.id] = (claim, v)
    assert len(errata) == 21 and len(corrected) >= 19
    for claim, v in corrected.values():
        if v.first_broken == 0 and len(claim.sides) == 2 and claim.setting.kind == "network":
            assert judge(claim, [v.corrected])[0].kind == EQUAL, (claim.id, v.corrected)


NOTE = r"""---
title: slips a real note makes
bpcheck:
  widths: [2, 3, 2]
  activation: tanh
  loss: mse_half
---

<!-- bpcheck: id=activation-for-derivative -->
$$ \delta^{[L]} = (a^{[L]} - y) \circ \tanh(z^{[L]}) $$

<!-- bpcheck: id=sigmoid-derivative-in-tanh-net -->
$$ \delta^{[L]} = (a^{[L]} - y) \circ a^{[L]} \circ (1 - a^{[L]}) $$

<!-- bpcheck: id=outer-order where="l=1..L" -->
$$ \frac{\partial J}{\partial W^{[l]}} = a^{[l-1]} (\delta^{[l]})^T $$

<!-- bpcheck: id=transposed-gradient where="l=1..L" -->
$$ \frac{\partial J}{\partial W^{[l]}} = (\delta^{[l]} (a^{[l-1]})^T)^T $$

<!-- bpcheck: id=one-plus -->
$$ \delta^{[L]} = (a^{[L]} - y) \circ (1 + a^{[L]} \circ a^{[L]}) $$
"""


def test_a_notes_slips_get_corrections_in_its_own_notation(tmp_path):
    """The slips the issue found uncorrected in real notes: each gets a correction that
    the oracle finds true, printed in the note's notation (brackets, ∘, ^T), and read
    back by the notes' reader as the corrected formula."""
    from bpcheck.notes.claims import read_notes
    from bpcheck.notes.latex import context_for, translate
    from bpcheck.report.terminal import corrected_latex
    from bpcheck.run.runner import run_claims
    path = tmp_path / "slips.md"
    path.write_text(NOTE, encoding="utf-8")
    notes = read_notes(path)
    assert notes.errors == [] and len(notes.claims) == 5
    for claim, v in run_claims(notes.claims, Options(shrink=False), jobs=1):
        assert v.kind is Kind.REFUTED and v.corrected, (claim.id, v.diagnosis)
        assert len(dict(v.extra)["diagnosis_edits"]) == 1, v.diagnosis  # one slip each
        assert judge(claim, [v.corrected])[0].kind == EQUAL, v.corrected
        latex = corrected_latex(claim, v)
        assert "^{[" in latex and "^{(" not in latex  # the note's bracketed layers
        read = translate(latex, context_for(claim.setting))
        assert judge(claim, [read])[0].kind == EQUAL, (latex, read)


def test_an_every_size_refutation_names_its_case_and_respects_when(write_catalog):
    header = """
[setting.sizes]
kind = "scalar"
integers = ["i", "j", "k", "n"]
indexed = ["z"]
"""
    soft = "exp(z[j]) / Sum(exp(z[k]), (k, 1, n))"
    body = claim_toml("c", "sizes", f"diff({soft}, z[i])",
                      f"{soft} * (1 - exp(z[i]) / Sum(exp(z[k]), (k, 1, n)))",
                      strategy='"indexed"', where='{ i = "1..n", j = "1..n" }',
                      when='"i != j"')
    (claim,) = load_catalog([write_catalog(body, header=header)]).claims
    v = check_claim(claim, Options(shrink=False))
    assert v.kind is Kind.REFUTED
    case = dict(part.split(" = ") for part in v.links[v.first_broken].case.split(", "))
    assert set(case) == {"n", "i", "j"} and case["i"] != case["j"]
    assert 1 <= int(case["i"]) <= int(case["n"]) and 1 <= int(case["j"]) <= int(case["n"])
