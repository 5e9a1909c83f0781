"""The speed paths: engine (symengine copies, partials with each atom's own rule),
exprs.node_key, numeric.Screen and runner._setting_groups."""
import ast

import numpy as np
import pytest
import sympy as sp

from bpcheck.symbolic import engine
from bpcheck.symbolic import linalg
from bpcheck.symbolic.atoms import (PARTIAL_NAME, AbsF, Exp, IsMax, MaxOf, Relu, Sig, Step, Tanh,
                                    kink_arguments, partial_of, undefined_function)
from bpcheck.symbolic.build import build_world
from bpcheck.catalog.files import setting_names
from bpcheck.symbolic.evaluate import Evaluator
from bpcheck.catalog.formula import parse, node_key
from bpcheck.model import Claim, Expect, Setting
from bpcheck.numeric.compare import Screen
from bpcheck.run.runner import _setting_groups

x, y, z = sp.symbols("x y z")
XYZ = [x, y, z]
G = undefined_function("G")
H = undefined_function("H")

pytestmark = pytest.mark.skipif(not engine.available(), reason="symengine is not installed")


# ---- numbers from the atoms' definitions (independent of bpcheck's evaluators) ----

def _ismax(k, *xs):
    stacked = np.stack(np.broadcast_arrays(*xs))
    return (np.argmax(stacked, axis=0) == int(k)).astype(float)


DEFINITIONS = {
    "Sig": lambda u: 1.0 / (1.0 + np.exp(-u)),
    "Exp": np.exp,
    "Tanh": np.tanh,
    "Relu": lambda u: np.maximum(u, 0.0),
    "Step": lambda u: np.where(u > 0, 1.0, 0.0),
    "AbsF": np.abs,
    "MaxOf": lambda *xs: np.max(np.stack(np.broadcast_arrays(*xs)), axis=0),
    "IsMax": _ismax,
}


def values(e: sp.Expr, pts: np.ndarray) -> np.ndarray:
    fn = sp.lambdify(XYZ, e, modules=[DEFINITIONS, "numpy"])
    return np.broadcast_to(np.asarray(fn(*pts.T), dtype=float), (pts.shape[0],))


def points(e: sp.Expr, seed: int, n: int = 12) -> np.ndarray:
    """Seeded points with x > 0 (for log x, x**y), away from every kink."""
    rng = np.random.default_rng(seed)
    pts = np.column_stack([rng.uniform(0.2, 1.6, 4 * n), rng.uniform(-1.6, 1.6, 4 * n),
                           rng.uniform(-1.6, 1.6, 4 * n)])
    kinks = kink_arguments(e)
    if kinks:
        far = np.all([np.abs(values(k, pts)) > 0.05 for k in kinks], axis=0)
        pts = pts[far]
    assert pts.shape[0] >= n
    return pts[:n]


ATOM_EXPRESSIONS = [
    Sig(x * y) * Exp(x - y) + Tanh(x) ** 2,
    sp.log(1 + x ** 2) * Sig(y) / (1 + Tanh(x * y) ** 2),
    (x ** 3 + sp.Rational(2, 3) * y) / (x ** 2 + 1) + sp.sqrt(x ** 2 + 1) - x ** sp.Rational(-3, 2),
    x ** y + (1 + y ** 2) ** x * Sig(z),
    Tanh(Sig(x) * y) ** -2 + Sig(Sig(x * z)) * sp.log(x),
    Relu(x - y) * Step(x + y) + AbsF(x * y) + MaxOf(x, y, x * y) * z,
    sp.sin(x * y) * sp.cos(z) + sp.log(x) * Exp(Relu(y)),
    IsMax(1, x, y) * x ** 2 + Sig(MaxOf(x, z)),
]


@pytest.mark.parametrize("k", range(len(ATOM_EXPRESSIONS)))
def test_partials_of_atoms_agree_with_sympy_and_finite_differences(k):
    e = ATOM_EXPRESSIONS[k]
    got = engine.partials([e], XYZ)
    assert len(got) == 1 and len(got[0]) == 3
    pts = points(e, seed=100 + k)
    h = 1e-6
    for i, v in enumerate(XYZ):
        reference = values(sp.diff(e, v), pts)
        mine = values(got[0][i], pts)
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-12)
        step = np.zeros(3)
        step[i] = h
        central = (values(e, pts + step) - values(e, pts - step)) / (2 * h)
        np.testing.assert_allclose(mine, central, rtol=1e-5, atol=1e-6)


def test_partials_of_several_functions_form_a_grid():
    fs = [Sig(x * y), Tanh(y) + z, x * Exp(z)]
    grid = engine.partials(fs, XYZ)
    assert [[sp.expand(g - sp.diff(f, v)) for g, v in zip(row, XYZ)]
            for row, f in zip(grid, fs)] == [[0] * 3] * 3
    assert grid[0][0] == y * Sig(x * y) * (1 - Sig(x * y))  # σ' = σ(1 − σ), σ kept
    assert grid[1][0] == 0 and grid[2][1] == 0


UNDEFINED_EXPRESSIONS = [
    G(x * y, Sig(x)),
    G(x, y) ** 2 * Sig(G(y, x)),
    G(x, x) + G(x, x * y, 3),
    G(Exp(x), Tanh(y) * z) / (1 + G(z, x) ** 2),
    partial_of(G, (1,))(x * y, y) + partial_of(G, (2,))(x, Sig(y)),
    H(G(x, y), z),
    sp.log(1 + G(x, y) ** 2) + MaxOf(G(x, y), x),
]


@pytest.mark.parametrize("k", range(len(UNDEFINED_EXPRESSIONS)))
def test_partials_of_undefined_functions_match_sympy_exactly(k):
    e = UNDEFINED_EXPRESSIONS[k]
    got = engine.partials([e], XYZ)[0]
    for g, v in zip(got, XYZ):
        expected = sp.diff(e, v)
        assert sp.expand(g - expected) == 0
        assert not g.has(sp.Derivative, sp.Subs)
        for app in g.atoms(sp.Function):
            name = type(app).__name__
            if name.startswith("∂"):
                assert PARTIAL_NAME.match(name), name


def test_partial_atoms_are_named_by_their_slots():
    (gx, gy, gz), = engine.partials([G(x * y, Sig(x), z)], XYZ)
    d1, d2, d3 = (partial_of(G, (s,)) for s in (1, 2, 3))
    assert gz == d3(x * y, Sig(x), z)
    assert sp.expand(gy - x * d1(x * y, Sig(x), z)) == 0
    assert sp.expand(gx - y * d1(x * y, Sig(x), z)
                     - Sig(x) * (1 - Sig(x)) * d2(x * y, Sig(x), z)) == 0
    assert type(d1(x, y)).__name__ == "∂1·G"
    m = PARTIAL_NAME.match(type(d1(x, y)).__name__)
    assert m.group(1) == "1" and m.group(2) == "G"


def test_mixed_partials_commute():
    def d(e, v):
        return engine.partials([e], [v])[0][0]
    xy, yx = d(d(G(x, y), x), y), d(d(G(x, y), y), x)
    assert xy == yx == partial_of(G, (1, 2))(x, y)
    assert type(xy).__name__ == "∂1_2·G"
    assert type(xy) is type(yx)
    assert d(d(G(x, y), x), x) == partial_of(G, (1, 1))(x, y)
    orders = [(x, y, z), (z, y, x), (y, z, x)]
    third = {d(d(d(G(x, y, z), a), b), c) for a, b, c in orders}
    assert third == {partial_of(G, (1, 2, 3))(x, y, z)}
    assert sp.diff(G(x, y), y, x) == xy  # SymPy's own rule names the same atom


k_int = sp.Symbol("k", integer=True)
x_real = sp.Symbol("x", real=True)
UNSUPPORTED = {
    "piecewise": ([sp.Piecewise((x ** 2, x > 0), (-x, True))], [x]),
    "sum": ([sp.Sum(y * x ** z, (z, 0, 3))], [x]),
    "integer-symbol": ([k_int * x ** 2 + Sig(k_int * x)], [x]),
    "wrt-integer-symbol": ([k_int ** 3 * x], [k_int]),
    "real-symbol": ([Sig(x_real) * x_real], [x_real]),
    "float": ([sp.Float(2.5) * x ** 2], [x]),
    "sympy-tanh": ([sp.tanh(x * y)], [x, y]),
    "wrt-product": ([x * y], [x * y]),
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_unsupported_content_raises_and_linalg_falls_back_to_sympy(case):
    fs, xs = UNSUPPORTED[case]
    with pytest.raises(engine.Unsupported):
        engine.partials(fs, xs)
    if case == "wrt-product":
        return  # SymPy cannot differentiate by a product either
    got = linalg.partials(fs, xs)
    expected = [[sp.diff(f, v) for v in xs] for f in fs]
    for row, ref in zip(got, expected):
        for g, r in zip(row, ref):
            assert g == r or sp.simplify(g - r) == 0


def test_linalg_partials_of_exp_and_pi_are_correct():
    e = sp.exp(x * y) + sp.pi * x ** 2 + sp.E * y
    got = linalg.partials([e], [x, y])[0]
    assert [sp.expand(g - sp.diff(e, v)) for g, v in zip(got, [x, y])] == [0, 0]


@pytest.mark.parametrize("e", [sp.E, sp.pi * x, sp.exp(x)], ids=["E", "pi", "exp"])
def test_round_trip_of_constants(e):
    assert engine.from_engine(engine.to_engine(e)) == e


def test_partials_of_exp_stay_in_the_engine():
    e = sp.exp(x * y)
    assert engine.partials([e], [x]) == [[y * sp.exp(x * y)]]


def test_partials_by_a_dummy_variable_go_to_sympy():
    d = sp.Dummy("x")
    with pytest.raises(engine.Unsupported):  # a dummy must never meet a same-named symbol
        engine.partials([d ** 2], [d])
    assert linalg.partials([d ** 2], [d]) == [[2 * d]]


# ---- to_engine / from_engine / equal ----------------------------------------------

ROUND_TRIP = [
    Sig(x) * (1 - Sig(x)),
    Exp(y) * Sig(x) + Tanh(x * y) ** 2,
    G(x, Sig(y), 3),
    G(x * y, Sig(x)) ** 2 / (x + 1),
    partial_of(G, (1, 2))(x, y) + partial_of(H, (1,))(Tanh(z)),
    MaxOf(x, y, Relu(z)) + IsMax(1, x, y) + AbsF(x) - Step(y),
    sp.log(x ** 2 + 1) / 3 + sp.sqrt(x) * sp.sin(y) - sp.cos(z) ** sp.Rational(-2, 5),
    sp.Integer(-7) / 12,
]


@pytest.mark.parametrize("k", range(len(ROUND_TRIP)))
def test_round_trip_equals_original(k):
    e = ROUND_TRIP[k]
    back = engine.from_engine(engine.to_engine(e))
    assert back == e
    assert engine.to_engine(e) is engine.to_engine(e)  # memoised


def test_round_trip_keeps_a_user_function_named_like_an_atom():
    user_sig = undefined_function("Sig")
    back = engine.from_engine(engine.to_engine(user_sig(x)))
    assert isinstance(back, user_sig) and not isinstance(back, Sig)
    back = engine.from_engine(engine.to_engine(Sig(x)))
    assert isinstance(back, Sig)
    # both together: SymPy orders the two "Sig" terms by name only, so the round trip
    # may swap them (U(x) + Sig(x) != Sig(x) + U(x) structurally); compare as sets
    both = user_sig(x) + Sig(x)
    back = engine.from_engine(engine.to_engine(both))
    assert back.func is sp.Add and set(back.args) == set(both.args)
    assert sorted(type(a) is Sig for a in back.args) == [False, True]


EQUAL = [
    (Sig(x) * (1 - Sig(x)), Sig(x) - Sig(x) ** 2),
    ((x + y) / z, x / z + y / z),
    (1 / (x + 1) + 1 / (x - 1), 2 * x / (x ** 2 - 1)),
    (partial_of(G, (1,))(x, y) * (x + y) ** 2,
     partial_of(G, (1,))(x, y) * (x ** 2 + 2 * x * y + y ** 2)),
    (Tanh(x) ** 2 - 1, -(1 - Tanh(x)) * (1 + Tanh(x))),
    (Exp(x) * Exp(y) / Exp(x), Exp(y)),
]
NOT_EQUAL = [
    (Sig(x) * (1 + Sig(x)), Sig(x) - Sig(x) ** 2),
    ((x + y) / z, x / z + y),
    (x + 1, x),
    (G(x, y), G(y, x)),
    (partial_of(G, (1,))(x, y), partial_of(G, (2,))(x, y)),
]


@pytest.mark.parametrize("k", range(len(EQUAL)))
def test_equal_after_expansion(k):
    a, b = EQUAL[k]
    assert engine.equal(a, b) is True
    assert engine.equal(b, a) is True


@pytest.mark.parametrize("k", range(len(NOT_EQUAL)))
def test_not_equal(k):
    a, b = NOT_EQUAL[k]
    assert engine.equal(a, b) is False


@pytest.mark.parametrize("a", [sp.Piecewise((x, x > 0), (0, True)), sp.Sum(x ** z, (z, 0, 3)),
                               sp.Float(1.5) * x, k_int * x, sp.tanh(x)],
                         ids=["piecewise", "sum", "float", "integer-symbol", "sympy-tanh"])
def test_equal_is_false_not_an_error_for_unsupported_content(a):
    assert engine.equal(a, a) is False
    with pytest.raises(engine.Unsupported):
        engine.to_engine(a)


def test_user_function_named_sig_is_not_the_sig_atom():
    user_sig = undefined_function("Sig")
    assert engine.equal(user_sig(x), Sig(x)) is False
    assert engine.equal(sp.Function("Sig")(x), Sig(x)) is False
    assert engine.equal(user_sig(x), user_sig(x)) is True
    # its derivative is an undefined partial, not σ(1 − σ)
    (d,), = engine.partials([user_sig(x)], [x])
    assert d == partial_of(user_sig, (1,))(x)
    (d,), = engine.partials([Sig(x)], [x])
    assert d == Sig(x) * (1 - Sig(x))


def test_is_zero_on_engine_expressions():
    assert engine.is_zero(engine.to_engine(Sig(x) ** 2 - Sig(x) * Sig(x)))
    assert engine.is_zero(engine.to_engine(1 / (x + 1) + 1 / (x - 1) - 2 * x / (x ** 2 - 1)))
    assert not engine.is_zero(engine.to_engine(Sig(x) - Sig(y)))


# ---- exprs.node_key -------------------------------------------------------------

NAMES = {"x", "y", "W", "a", "b", "z", "l"}


def key(text: str, names=NAMES) -> int:
    return node_key(parse(text, names).tree)


def test_equal_structures_from_different_parses_have_equal_keys():
    first = parse("x + 1", NAMES)
    others = [parse("x  +  1", NAMES), parse("(x + 1)", NAMES), parse("x + 1", NAMES | {"q"})]
    for other in others:
        assert other is not first and other.tree is not first.tree
        assert node_key(other.tree) == node_key(first.tree)
    assert parse("x + 1", NAMES) is first  # parse is memoised


def test_one_one_point_zero_and_true_differ():
    keys = [key("x + 1"), key("x + 1.0"), key("x + True")]
    assert len(set(keys)) == 3
    assert key("2 * x") != key("2.0 * x")
    assert key("x ** 2") != key("x ** 2.0")


def test_different_formulas_have_different_keys():
    texts = ["x + y", "y + x", "x - y", "x * y", "x ** y", "x @ y", "x % y", "-x",
             "sigmoid(x)", "tanh(x)", "W[1]", "W[2]", "W[l]", "W[l] @ a[l - 1]", "x", "y", "1"]
    keys = [key(t) for t in texts]
    assert len(set(keys)) == len(texts)


def test_subtree_keys_equal_the_keys_of_the_subformula_alone():
    big = parse("sigmoid(W[l] @ a[l - 1] + b[l]) % (1 - sigmoid(z[l])) + x * 1.0 - x * 1",
                NAMES)
    checked = 0
    for node in ast.walk(big.tree.body):
        if not isinstance(node, ast.expr):
            continue
        alone = parse(ast.unparse(node), NAMES).tree.body
        assert node_key(node) == node_key(alone), ast.unparse(node)
        checked += 1
    assert checked > 15
    body = big.tree.body
    assert node_key(body.left.right.right) != node_key(body.right.right)  # x*1.0 vs x*1


# ---- numeric.Screen ---------------------------------------------------------------

def _world(activation: str = "sigmoid", widths=(3, 2, 2)):
    setting = Setting(f"screen-{activation}", "network",
                      (("activation", activation), ("loss", "mse_half"), ("widths", widths)))
    world = build_world(setting)
    names = setting_names(setting)
    return world, (lambda text: Evaluator(world, {}).eval(parse(text, names).tree))


def test_screen_agrees_on_equal_sides_and_not_on_different_ones():
    world, ev = _world()
    screen = Screen(world, seed=3, n=12)
    agree = lambda a, b, kinked=False: screen.agree(a, b, 1e-7, 1e-9, kinked)  # noqa: E731
    fprime = ev("fprime(z[L])")
    assert agree(fprime, ev("sigmoid(z[L]) % (1 - sigmoid(z[L]))")) is True
    assert agree(fprime, ev("a[L] - a[L] % a[L]")) is True
    assert agree(fprime, ev("sigmoid(z[L]) % (1 + sigmoid(z[L]))")) is False
    assert agree(fprime, -fprime) is False
    delta = ev("diff(J, z[L])")
    assert agree(delta, ev("-(y - a[L]) % fprime(z[L])")) is True
    assert agree(delta, ev("(y - a[L]) % fprime(z[L])")) is False  # flipped sign
    assert agree(ev("diff(J, W[L])"), ev("diff(J, z[L]) * transpose(a[L-1])")) is True
    # the shared memo does not leak between candidates: the answers do not change
    assert agree(fprime, -fprime) is False
    assert agree(delta, ev("-(y - a[L]) % fprime(z[L])")) is True


def test_screen_cannot_tell_about_a_symbol_outside_the_world():
    world, ev = _world()
    screen = Screen(world, seed=0, n=8)
    q = sp.Symbol("q")
    assert q not in world.free
    assert screen.agree(Sig(q), Sig(q), 1e-7, 1e-9, False) is None
    fprime = ev("fprime(z[L])")
    assert screen.agree(fprime, fprime + sp.ImmutableMatrix([q, 0]), 1e-7, 1e-9, False) is None
    assert screen.agree(fprime, fprime, 1e-7, 1e-9, False) is True  # still usable after


def test_screen_is_seeded():
    world, _ = _world()
    a, b, c = Screen(world, 5, 6), Screen(world, 5, 6), Screen(world, 6, 6)
    assert a.pts.shape == (6, len(world.free))
    np.testing.assert_array_equal(a.pts, b.pts)
    assert not np.array_equal(a.pts, c.pts)


def test_screen_with_kinks():
    world, ev = _world("relu")
    screen = Screen(world, seed=1, n=16)
    fprime = ev("fprime(z[L])")
    assert screen.agree(fprime, ev("step(z[L])"), 1e-7, 1e-9, True) is True
    assert screen.agree(fprime, ev("1 - step(z[L])"), 1e-7, 1e-9, True) is False


# ---- runner._setting_groups -------------------------------------------------------

def _claim(cid: str, setting: Setting, expect: Expect = Expect.HOLDS) -> Claim:
    return Claim(id=cid, title=cid, file="t.toml", line=1, source="test", setting=setting,
                 sides=("x", "x"), expect=expect)


def test_setting_groups_keep_settings_together_heaviest_first():
    s_light, s_erratum, s_heavy, s_single = (Setting(n, "scalar", (("symbols", (n,)),))
                                             for n in ("light", "erratum", "heavy", "single"))
    claims = [
        _claim("h1", s_heavy), _claim("l1", s_light), _claim("e1", s_erratum, Expect.ERRATUM),
        _claim("h2", s_heavy), _claim("l2", s_light), _claim("h3", s_heavy),
        _claim("s1", s_single), _claim("h4", s_heavy), _claim("e2", s_erratum),
    ]
    index = [10 + 3 * i for i in range(len(claims))]  # any indices, carried through
    groups = _setting_groups(claims, index)

    # every claim exactly once, with its own index
    flat = [(i, c) for g in groups for i, c in g]
    assert sorted(i for i, _ in flat) == sorted(index)
    assert sorted(c.id for _, c in flat) == sorted(c.id for c in claims)
    assert all(claims[index.index(i)] is c for i, c in flat)

    # one setting per group, each setting in one group, catalog order inside a group
    settings = [{c.setting for _, c in g} for g in groups]
    assert all(len(s) == 1 for s in settings)
    assert len(groups) == len({c.setting for c in claims}) == 4
    for g in groups:
        assert [i for i, _ in g] == sorted(i for i, _ in g)

    # weights: erratum 3 + 1 = 4 ties heavy 4 x 1; then light 2, single 1
    weights = [sum(3 if c.expect is Expect.ERRATUM else 1 for _, c in g) for g in groups]
    assert weights == sorted(weights, reverse=True) == [4, 4, 2, 1]
    assert [g[0][1].setting.name for g in groups][2:] == ["light", "single"]


def test_setting_groups_an_erratum_outweighs_two_plain_claims():
    plain, errata = Setting("plain", "scalar", ()), Setting("errata", "scalar", ())
    claims = [_claim("p1", plain), _claim("p2", plain), _claim("e1", errata, Expect.ERRATUM)]
    groups = _setting_groups(claims, [0, 1, 2])
    assert [[c.id for _, c in g] for g in groups] == [["e1"], ["p1", "p2"]]
    assert _setting_groups([], []) == []


def test_an_expression_read_back_converts_to_its_original_without_a_walk(monkeypatch):
    """from_engine's result goes back to the very symengine object it came from (a
    derivative read back and then decided is not converted again)."""
    x, y = sp.symbols("x y")
    [[d]] = engine.engine_partials([Sig(x * y) * Exp(x)], [x])
    back = engine.from_engine(d)
    assert engine.equal(back, sp.diff(Sig(x * y) * Exp(x), x))
    converted = []
    real = engine._convert
    monkeypatch.setattr(engine, "_convert", lambda e: converted.append(e) or real(e))
    assert engine.to_engine(back) is d
    assert converted == [back]  # one lookup, no walk of the sub-terms
