"""What the cold path keeps between worlds and candidate repairs (issue 20) gives the same
values as computing them afresh: symbol matrices, matrix products, a tree's edit paths,
a repair search's screen, the screen's agreement test, structural keys."""
import ast
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from bpcheck.catalog.files import load_catalog, setting_names
from bpcheck.catalog.formula import node_key
from bpcheck.decide.claim import verify_claim
from bpcheck.decide.outcome import TreeScreen, tree_outcome
from bpcheck.decide.widths import for_explaining
from bpcheck.explain.diagnose import _Search
from bpcheck.model import Options
from bpcheck.numeric.compare import Screen
from bpcheck.numeric.problem import errors
from bpcheck.explain import edits as edits_module
from bpcheck.explain.edits import edits
from bpcheck.explain.slips import slips
from bpcheck.symbolic.linalg import product
from bpcheck.symbolic.world import sym_matrix


def test_symbol_matrices_are_shared_only_when_everything_matches():
    a = sym_matrix("W1", 2, 3)
    assert sym_matrix("W1", 2, 3) is a
    assert sym_matrix("W1", 3, 2).shape == (3, 2)
    positive = sym_matrix("W1", 2, 3, positive=True)
    assert positive is not a and positive[0, 0].is_positive and a[0, 0].is_positive is None
    assert a == sp.ImmutableMatrix(2, 3, lambda i, j: sp.Symbol(f"W1_{{{i + 1}{j + 1}}}"))


def test_a_kept_product_is_the_product_of_those_operands():
    w, x = sym_matrix("W2", 2, 3), sym_matrix("x", 3, 1)
    first = product(w, x)
    assert first == sp.ImmutableMatrix(w) * sp.ImmutableMatrix(x)
    assert product(w, x) is first
    other = sym_matrix("v", 3, 1)
    assert product(w, other) == sp.ImmutableMatrix(w) * sp.ImmutableMatrix(other)
    mutable = sp.Matrix(3, 1, [1, 2, 3])
    assert product(w, mutable) == sp.ImmutableMatrix(w) * mutable
    mutable[0, 0] = 5  # a mutable operand is never kept: a changed one gives its own product
    assert product(w, mutable) == sp.ImmutableMatrix(w) * mutable


def _texts(found):
    return [(e.kind, e.text) for e in found]


def test_kept_edit_paths_follow_the_tree_asked_for():
    one = ast.parse("transpose(W[l + 1]) * delta[l + 1] % fprime(z[l])", mode="eval")
    two = ast.parse("a[l - 1][j] * (y[i] - a[L][i])", mode="eval")
    fresh = {}
    for tree in (one, two):
        edits_module._LAST_PATHS[0] = None
        fresh[id(tree)] = _texts(edits(tree)) + _texts(slips(tree))
    assert fresh[id(one)] and fresh[id(two)] and fresh[id(one)] != fresh[id(two)]
    for tree in (one, two, one, two):  # the paths of the tree before are kept each time
        assert _texts(edits(tree)) + _texts(slips(tree)) == fresh[id(tree)]


SHIPPED = Path(__file__).resolve().parents[1] / "derivations"


def _search(claim_id):
    claim = next(c for c in load_catalog([SHIPPED]).claims if c.id == claim_id)
    claim = for_explaining(claim)
    verdict = verify_claim(claim, Options(diagnose=False, shrink=False))
    link = verdict.links[verdict.first_broken]
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    search = _Search(claim, claim.sides[link.left], claim.sides[link.right], Options(), names)
    return search, [e.tree for e in search.candidates(search.wrong_tree)]


@pytest.mark.parametrize("claim_id", ["001.eq1", "003.eq9.27-other-entries", "003.eq9.26"])
def test_a_kept_tree_screen_gives_each_candidate_the_fresh_outcome(claim_id):
    """Index cases (001.eq1) and one-hot target classes (003.eq9.27-*): the screen kept
    for a search, its evaluators reused from candidate to candidate, in any order."""
    search, trees = _search(claim_id)
    fresh = [tree_outcome(search.claim, [search.left_tree, t], search.quick, search.kinked)
             for t in trees]
    assert len(set(fresh)) > 1  # more than one kind of outcome is compared
    kept = TreeScreen(search.claim, search.left_tree, search.quick, search.kinked)
    assert [kept.outcome(t) for t in trees] == fresh
    assert [kept.outcome(t) for t in reversed(trees)] == fresh[::-1]


def test_the_screens_agreement_is_the_tolerance_rule_of_errors():
    rng = np.random.default_rng(3)
    for _ in range(300):
        a = rng.normal(size=(4, 3)) * 10.0 ** rng.integers(-3, 3)
        b = a + rng.normal(size=a.shape) * 10.0 ** rng.integers(-12, 0)
        for arr in (a, b):
            arr[rng.random(arr.shape) < 0.08] = rng.choice([np.nan, np.inf, -np.inf])
        fa, fb = np.isfinite(a), np.isfinite(b)
        expected = None if not (fa & fb).all(axis=1).any() else \
            not (errors(a, b, 1e-7, 1e-9)[2].any() or (fa != fb).any())
        assert Screen.agrees(a, b, 1e-7, 1e-9) == expected


def test_node_keys_are_structural():
    one = ast.parse("sum(W[l][i, j] * a[l - 1][j], (j, 1, 3)) + f(1, 1.0)", mode="eval")
    two = ast.parse("sum(W[l][i, j] * a[l - 1][j], (j, 1, 3)) + f(1, 1.0)", mode="eval")
    assert node_key(one) == node_key(two)
    for other in ("sum(W[l][j, i] * a[l - 1][j], (j, 1, 3)) + f(1, 1.0)",
                  "sum(W[l][i, j] * a[l - 1][j], (j, 1, 3)) + f(1.0, 1)",
                  "sum(W[l][i, j] * a[l - 1][j], (j, 1, 3)) + f(1, 1.0, 1)"):
        assert node_key(ast.parse(other, mode="eval")) != node_key(one)
