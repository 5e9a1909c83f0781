"""quickeval: a formula's numbers at the screen's points, operators applied to arrays.

Its answer must be the symbolic evaluator's value read at the same points (or the
same error), since a diagnosis trusts it to throw candidate repairs away."""
from pathlib import Path

import numpy as np
import pytest

from bpcheck.symbolic.build import build_world, onehot_subs
from bpcheck.catalog.files import load_catalog, setting_names
from bpcheck.symbolic.evaluate import EvalError, Evaluator
from bpcheck.catalog.formula import parse
from bpcheck.symbolic.linalg import IndexRangeError, ShapeError, entries, is_mat, shape_of
from bpcheck.model import Options, Setting
from bpcheck.numeric.compare import Screen
from bpcheck.numeric.quickeval import CannotScreen, QuickEvaluator
from bpcheck.symbolic.zero_test import canonical_derivatives
from bpcheck.symbolic import dag
from bpcheck.decide import worlds
from bpcheck.decide.kinked import is_kinked

ROOT = Path(__file__).resolve().parents[1]


def _net(widths=(3, 2, 2), activation="sigmoid"):
    setting = Setting("q", "network", (("activation", activation), ("loss", "mse_half"),
                                       ("widths", widths)))
    world = build_world(setting)
    return world, setting_names(setting), Screen(world, seed=2, n=10)


def _symbolic(world, screen, names, text, bindings=None, subs=None):
    """The reference: the formula's SymPy value, read at the screen's points."""
    value = Evaluator(world, bindings or {}).eval(parse(text, names).tree)
    if subs:
        value = dag.xreplace(value, subs)
    vals = screen.values(entries(value))
    return vals, shape_of(value), is_mat(value)


def _quick(screen, names, text, bindings=None, kinked=False):
    ev = QuickEvaluator(screen, bindings or {}, kinked=kinked)
    return ev.eval(parse(text, names).tree), ev


FORMULAS = [
    "W[2] * a[1] + b[2]",
    "transpose(W[2]) * diff(J, z[2]) % fprime(z[1])",
    "(a[2] - y) % a[2] % (1 - a[2])",
    "diff(J, z[2]) * transpose(a[1])",
    "2 * sum(a[2] % a[2]) / 4 - 1",
    "a[2] ** 2",
    "-(y - a[2]) / 3",
    "transpose(a[1]) * a[1]",          # a 1×1 product
    "(transpose(a[1]) * a[1]) * a[1]",  # ... that scales a vector
    "sigmoid(z[2]) - exp(-z[2]) + tanh(a[1][1]) + log(1 + a[2] % a[2])",
    "W[2][2, 1] * a[1][1]",
    "(W[2] * a[1])[2]",
    "transpose(W[2] * a[1])[1, 2]",
    "sum(W[2][1, k] * a[1][k], (k, 1, 2)) + b[2][1]",   # a finite sum, term by term
    "sum(a[1] * a[1][k], (k, 1, 2))",                  # ... of vectors
    "sum(a[1][k], (k, 3, 2)) + 1",                     # an empty one
    "diff(J, W[1])",                                   # the loss's gradient, read at the
    "diff(J, z[1]) * transpose(a[0])",                 # nodes' values (the reverse pass)
    "diff(J, W[2][1, 2]) + diff(J, b[2])[2]",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_quick_numbers_are_the_symbolic_value_at_the_points(text):
    world, names, screen = _net()
    vals, shape, mat = _symbolic(world, screen, names, text)
    got, _ = _quick(screen, names, text)
    assert got.mat == mat and got.shape == shape
    np.testing.assert_allclose(got.flat(), vals, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("text, error", [
    ("W[2] * a[2]", ShapeError),  # 2×3 times 2×1
    ("W[2] + a[1]", ShapeError),
    ("transpose(W[2]) * transpose(a[1])", ShapeError),
    ("a[1] % a[2]", ShapeError),
    ("a[2] / a[2]", ShapeError),
    ("W[2] ** 2", ShapeError),
    ("a[1][4]", IndexRangeError),
    ("b[3]", IndexRangeError),
    ("(W[2] * a[1])[1, 2]", IndexRangeError),
    ("a[1][1][1]", ShapeError),
])
def test_quick_errors_are_the_symbolic_errors(text, error):
    world, names, screen = _net(widths=(3, 3, 2))
    tree = parse(text, names).tree
    try:
        Evaluator(world, {}).eval(tree)
        expected = None
    except (ShapeError, EvalError) as exc:
        expected = type(exc)
    try:
        QuickEvaluator(screen, {}).eval(tree)
        got = None
    except (ShapeError, EvalError) as exc:
        got = type(exc)
    assert got is expected
    if expected is not None:
        assert issubclass(expected, error)


def test_values_are_kept_per_binding():
    world, names, screen = _net()
    names = names | {"l"}
    text = "a[l] % a[l]"
    one, _ = _quick(screen, names, text, {"l": 1})
    two, _ = _quick(screen, names, text, {"l": 2})
    assert one.shape == (2, 1) and two.shape == (2, 1)
    np.testing.assert_allclose(two.flat(), _symbolic(world, screen, names, text, {"l": 2})[0])
    assert not np.allclose(one.flat(), two.flat())
    again, _ = _quick(screen, names, text, {"l": 1})
    np.testing.assert_array_equal(again.flat(), one.flat())


def test_kinks_mark_points_and_one_hot_classes_are_put_in():
    world, names, screen = _net(activation="relu")
    got, ev = _quick(screen, names, "fprime(z[2]) % a[2]", kinked=True)
    z2 = screen.values(entries(Evaluator(world, {}).eval(parse("z[2]", names).tree)))
    near = (np.abs(z2) < 1e-3).any(axis=1)
    np.testing.assert_array_equal(ev.off_kinks, ~near)
    classes = onehot_subs(world, {"__y__": (0,)})  # the target is class 1 of 2
    assert set(classes.values()) == {0, 1}
    ev = QuickEvaluator(screen, {}, classes)
    got = ev.eval(parse("a[2] - y", names).tree)
    vals, _, _ = _symbolic(world, screen, names, "a[2] - y", subs=classes)
    np.testing.assert_allclose(got.flat(), vals)


def test_a_value_outside_the_screen_cannot_be_read():
    world, names, screen = _net()
    screen.values = lambda exprs: None  # as for a symbol the world's points do not cover
    with pytest.raises(CannotScreen):
        QuickEvaluator(screen, {}).eval(parse("a[2] + 1", names).tree)


@pytest.mark.slow
def test_every_catalog_side_reads_as_its_symbolic_value():
    """Each side of each shipped claim in each of its cases (the first few)."""
    catalog = load_catalog([ROOT / "derivations"])
    options, checked = Options(), 0
    for claim in catalog.claims:
        if claim.strategy:
            continue
        world = worlds.world_for(claim)
        if world.indexed:
            continue
        names = setting_names(claim.setting) | {v for v, _ in claim.where}
        screen = worlds.screen_for(world, options)
        for case in worlds.cases(claim, world)[:3]:
            bindings = {k: v for k, v in case.items() if not k.startswith("__")}
            classes = onehot_subs(world, case)
            kinked = is_kinked(claim)
            for text in claim.sides:
                tree = parse(text, names).tree
                try:
                    value = worlds.side_value(world, tree, case)
                except (ShapeError, EvalError) as exc:
                    with pytest.raises(type(exc)):
                        QuickEvaluator(screen, bindings, classes, kinked).eval(tree)
                    continue
                try:
                    got = QuickEvaluator(screen, bindings, classes, kinked).eval(tree)
                except CannotScreen:
                    continue
                vals = screen.values(entries(value) if not world.undefined else
                                     [canonical_derivatives(e) for e in entries(value)])
                if vals is None:
                    continue
                assert got.unit().shape == shape_of(value), (claim.id, text)
                ok = np.isfinite(vals).all(axis=1)
                np.testing.assert_allclose(got.unit().flat()[ok], vals[ok], rtol=1e-8,
                                           atol=1e-10, err_msg=f"{claim.id}: {text}")
                checked += 1
    assert checked > 200
