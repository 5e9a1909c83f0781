"""Proofs for every size, and their numeric check at concrete sizes.

The numeric check walks each side's SymPy tree in numbers (`indexed._Direct`: sums
looped, deltas compared, entries random per point); SymPy's own written-out form at
a concrete size (`_assignment`) is the independent yardstick it is tested against.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from bpcheck.decide import every_size as indexed
from bpcheck.symbolic.build import build_world
from bpcheck.catalog.files import load_catalog, setting_names
from bpcheck.symbolic.evaluate import Evaluator
from bpcheck.catalog.formula import parse
from bpcheck.model import Kind, Options
from bpcheck.numeric.compare import evaluate
from bpcheck.decide.claim import verify_claim

HEADER = """
[setting.softmax_n]
kind = "scalar"
integers = ["i", "j", "k", "n"]
indexed = ["z"]

[setting.layer_n]
kind = "scalar"
integers = ["i", "j", "k", "n", "m"]
indexed = ["z", "W", "b"]
functions = ["f"]

[setting.affine_n]
kind = "scalar"
integers = ["i", "k", "p", "q", "n", "m"]
indexed = ["W", "a", "b", "d"]
"""

SOFTMAX = "exp(z[j]) / Sum(exp(z[k]), (k, 1, n))"
CLAIMS = {
    "softmax": ("softmax_n", '{ i = "1..n", j = "1..n" }', f"diff({SOFTMAX}, z[i])",
                f"{SOFTMAX} * (KroneckerDelta(i, j) - exp(z[i]) / Sum(exp(z[k]), (k, 1, n)))"),
    "softmax-sign": ("softmax_n", '{ i = "1..n", j = "1..n" }', f"diff({SOFTMAX}, z[i])",
                     f"{SOFTMAX} * (KroneckerDelta(i, j) + exp(z[i]) / Sum(exp(z[k]), (k, 1, n)))"),
    "layer": ("layer_n", '{ i = "1..n", j = "1..m" }',
              "diff(Sum(W[j, k] * f(z[k]), (k, 1, n)) + b[j], z[i])", "W[j, i] * fprime(z[i])"),
    "layer-swapped": ("layer_n", '{ i = "1..n", j = "1..m" }',
                      "diff(Sum(W[j, k] * f(z[k]), (k, 1, n)) + b[j], z[i])",
                      "W[i, j] * fprime(z[i])"),
    "dW": ("affine_n", '{ p = "1..m", q = "1..n" }',
           "Sum(d[i] * diff(Sum(W[i, k] * a[k], (k, 1, n)) + b[i], W[p, q]), (i, 1, m))",
           "d[p] * a[q]"),
    "dW-swapped": ("affine_n", '{ p = "1..m", q = "1..n" }',
                   "Sum(d[i] * diff(Sum(W[i, k] * a[k], (k, 1, n)) + b[i], W[p, q]), (i, 1, m))",
                   "d[q] * a[p]"),
}


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    body = HEADER + "".join(
        f'\n[[claim]]\nid = "{cid}"\nsource = "test"\nsetting = "{setting}"\n'
        f'strategy = "indexed"\nwhere = {where}\nquantity = "{q}"\nformula = "{f}"\n'
        for cid, (setting, where, q, f) in CLAIMS.items())
    path = tmp_path_factory.mktemp("indexed") / "cat.toml"
    path.write_text(body, encoding="utf-8")
    catalog = load_catalog([path])
    assert not catalog.errors
    return {c.id: c for c in catalog.claims}


def sides(claim):
    world = build_world(claim.setting)
    names = setting_names(claim.setting)
    values = [Evaluator(world, {}).eval(parse(s, names).tree) for s in claim.sides]
    return world, indexed._ranges(claim, world), values


@pytest.mark.parametrize("cid", sorted(CLAIMS))
def test_direct_walk_equals_sympy_written_out(claims, cid):
    """At each assignment, the walk's number for a side equals SymPy's written-out form
    of that side (entries as symbols) evaluated at the same entry values."""
    world, ranges, values = sides(claims[cid])
    walk = indexed._Direct(seed=3, points=5)
    checked = 0
    for size_map, idx in indexed._assignments(ranges):
        env = {**size_map, **{v: i for (v, _, _), i in zip(ranges, idx)}}
        sizes_in = {k: sp.Integer(v) for k, v in size_map.items()}
        for value in values:
            got = np.broadcast_to(walk.value(value, env), (5,))
            written = indexed._concrete(sp.sympify(value).xreplace(sizes_in).doit(),
                                        {v: i for (v, _, _), i in zip(ranges, idx)})
            symbols = sorted(written.free_symbols, key=str)
            pts = np.stack([walk._entry(*_entry_key(s)) for s in symbols], axis=1) \
                if symbols else np.zeros((5, 0))
            want = evaluate([written], symbols, pts, walk.funcs)[:, 0]
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
            checked += 1
    assert checked >= 2 * 8


def _entry_key(symbol: sp.Symbol) -> tuple[str, tuple[int, ...]]:
    base, *indices = symbol.name.split("_")
    return base, tuple(int(i) for i in indices)


@pytest.mark.parametrize("cid", ["softmax", "layer", "dW"])
def test_true_formulas_are_proved_for_every_size(claims, cid):
    v = verify_claim(claims[cid], Options())
    assert v.kind is Kind.VERIFIED
    assert dict(v.links[0].numeric)["points"] == indexed.POINTS


@pytest.mark.parametrize("cid", ["softmax-sign", "layer-swapped", "dW-swapped"])
def test_wrong_formulas_are_refuted_at_a_concrete_size(claims, cid):
    v = verify_claim(claims[cid], Options(diagnose=False))
    assert v.kind is Kind.REFUTED
    cx = v.links[0].counterexample
    assert cx is not None and abs(cx.lhs[0] - cx.rhs[0]) > 1e-6


def test_an_unknown_node_falls_back_to_sympy_written_out(claims, monkeypatch):
    def refuse(self, e, env):
        raise indexed._Unsupported("test")
    monkeypatch.setattr(indexed._Direct, "_value", refuse)
    assert verify_claim(claims["dW"], Options()).kind is Kind.VERIFIED
    assert verify_claim(claims["dW-swapped"], Options(diagnose=False)).kind is Kind.REFUTED


def test_a_mismatch_the_written_out_form_misses_is_never_verified(claims, monkeypatch):
    """The walk's disagreement stands even if SymPy's written-out check agreed: a
    wrong formula is never called right on the word of one check.  Nor refuted on the
    word of float64 alone: with no counterexample that holds in high precision (the
    written-out form agrees) it is INCONCLUSIVE (a float64 walk's rounding once refuted
    a true claim; see test_every_size_soundness)."""
    real = indexed._Direct._value

    def off(self, e, env):  # the left side's sums are off by one; SymPy's are right
        out = real(self, e, env)
        return out + 1.0 if isinstance(e, sp.Sum) else out
    monkeypatch.setattr(indexed._Direct, "_value", off)
    v = verify_claim(claims["dW"], Options(diagnose=False))
    assert v.kind is Kind.INCONCLUSIVE
