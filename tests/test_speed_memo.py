"""What the cold path keeps between worlds and candidate repairs (issue 20) gives the same
values as computing them afresh: symbol matrices, matrix products, a tree's edit paths."""
import ast

import sympy as sp

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
