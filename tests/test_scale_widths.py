"""Issue 20, width-independent decisions: a wide network's width-generic claims are proved at
small widths and checked in numbers at the stated ones; speed never makes a proof."""
import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.decide import generic as generic_mod, widths
from bpcheck.decide.claim import verify_claim
from bpcheck.model import Kind, Options
from bpcheck.numeric import wide
from bpcheck.run.check import check_claim

from conftest import claim_toml

WIDE = """
[setting.mnist]
kind = "network"
widths = [784, 100, 10]
activation = "sigmoid"
loss = "mse_half"

[setting.deep]
kind = "network"
widths = [64, 48, 32, 16]
activation = "tanh"
loss = "mse_half"

[setting.onehot]
kind = "network"
widths = [784, 100, 10]
activation = "sigmoid"
output = "softmax"
loss = "cross_entropy"
target = "onehot"
"""

TEXTBOOK = [
    ("diff(J, z[L])", "-(y - a[L]) ⊙ fprime(z[L])", {}),
    ("diff(J, z[l])", "fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])", {"where": '{ l = "1..L-1" }'}),
    ("diff(J, W[l])", "delta[l] * transpose(a[l-1])", {"where": '{ l = "1..L" }'}),
    ("diff(J, b[l])", "delta[l]", {"where": '{ l = "1..L" }'}),
]


def _claim(write_catalog, quantity, formula, setting="mnist", **extra):
    path = write_catalog(claim_toml("c", setting, quantity, formula, **extra), header=WIDE)
    cat = load_catalog([path])
    assert cat.errors == ()
    return cat.claims[0]


@pytest.mark.parametrize("setting", ["mnist", "deep"])
@pytest.mark.parametrize("quantity, formula, extra", TEXTBOOK)
def test_textbook_claims_on_wide_networks_are_verified(write_catalog, setting, quantity,
                                                       formula, extra):
    claim = _claim(write_catalog, quantity, formula, setting, **extra)
    assert widths.generic(claim) is not None
    v = verify_claim(claim, Options(timeout=20))
    assert v.kind is Kind.VERIFIED, v.reason
    assert "for every width" in v.scope and "checked numerically" in v.scope
    assert dict(v.links[0].numeric)["points at the stated widths"] > 0


def test_wrong_recurrence_is_refuted_with_counterexamples(write_catalog):
    claim = _claim(write_catalog, "diff(J, z[l])", "transpose(W[l+1]) * delta[l+1]",
                   where='{ l = "1..L-1" }', expect='"erratum"')
    v = check_claim(claim, Options(timeout=20))
    assert v.kind is Kind.REFUTED
    assert v.links[0].counterexample is not None  # the small widths' concrete point
    assert "784-100-10" in v.reason  # and the stated widths' own difference


def test_small_widths_are_distinct_and_keep_the_order():
    assert widths.small_widths([784, 100, 10]) == (5, 4, 3)
    assert widths.small_widths([10, 10, 10]) == (3, 4, 5)
    deep = widths.small_widths([16] * 7)
    assert all(deep[k] != deep[k + d] for d in (1, 2) for k in range(len(deep) - d))
    assert max(deep) == 5


@pytest.mark.parametrize("quantity, formula, extra", [
    ("diff(J, W[l])", "delta[l] * transpose(a[l-1])", {"setting": "onehot", "where": '{ l = "1..L" }'}),
    ("diff(J, W[L][1, 2])", "delta[L][1] * a[L-1][2]", {}),  # entries
    ("diff(J, b[L])", "n[L] * delta[L] / n[L]", {}),  # sizes
    ("diff(J, b[L])", "delta[L] + 0 * ones(10)", {}),  # a constant vector
    ("diff(J, b[L])", "sum(delta[L]) * delta[L] / sum(delta[L])", {}),
])
def test_width_dependent_forms_are_not_generic(write_catalog, quantity, formula, extra):
    setting = extra.pop("setting", "mnist")
    claim = _claim(write_catalog, quantity, formula, setting, **extra)
    assert widths.generic(claim) is None


# a formula equal to δ^(L) exactly when n0 = 5 (the small input width of 784-100-10):
# x - x + 1 is the ones vector, so the product counts the inputs, n0
COUNTING = "delta[L] + (transpose(x - x + 1) * (x - x + 1) - 5) * delta[L]"


def test_true_at_small_widths_false_at_stated_is_not_verified(write_catalog):
    claim = _claim(write_catalog, "diff(J, b[L])", COUNTING)
    assert widths.small_widths([784, 100, 10])[0] == 5
    assert verify_claim(claim, Options(timeout=20)).kind is Kind.REFUTED


def test_counting_term_blocks_the_proof_even_if_numbers_missed_it(write_catalog, monkeypatch):
    claim = _claim(write_catalog, "diff(J, b[L])", COUNTING)
    monkeypatch.setattr(wide, "first_mismatch", lambda *a, **k: None)  # numbers blind
    v = verify_claim(claim, Options(timeout=20, seed=1))  # (seed: not the decision kept above)
    assert v.kind is Kind.INCONCLUSIVE, v.reason


def test_count_detector(write_catalog):
    claim = widths.at_widths(_claim(write_catalog, "diff(J, b[L])", COUNTING), (5, 4, 3))
    trees = widths._trees(claim)
    assert generic_mod.count_free(claim, trees, [{}])
    fine = widths.at_widths(_claim(write_catalog, "diff(J, z[l])",
                                   "fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])",
                                   where='{ l = "1..L-1" }'), (5, 4, 3))
    assert generic_mod.count_free(fine, widths._trees(fine), [{"l": 1}]) == ""


def test_true_at_stated_widths_false_at_small_is_not_refuted(write_catalog):
    # (transpose(f(0 y)) f(0 y)) (2/5) = (n_L/4)(2/5) = 1 at n_L = 10, but 3/10 at n_L = 3
    claim = _claim(write_catalog, "diff(J, b[L])",
                   "(transpose(f(0 * y)) * f(0 * y)) * (2/5) * delta[L]")
    v = verify_claim(claim, Options(timeout=20))
    assert v.kind is Kind.INCONCLUSIVE, v.reason
