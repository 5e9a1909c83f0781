"""bpcheck.symbolic.dag: DAG-aware traversals agree with SymPy's own, and shared sub-terms
are visited once (a deep, heavily shared expression is handled in linear time)."""
import time

import pytest
import sympy as sp

from bpcheck.symbolic import dag
from bpcheck.symbolic.atoms import Exp, Relu, Sig, Tanh, undefined_function

x, y, z, t, n, k, j = sp.symbols("x y z t n k j")
x1, x2, w11, w12, w21, w22, b1, b2, v1, v2, c, target = sp.symbols(
    "x1 x2 w11 w12 w21 w22 b1 b2 v1 v2 c target")
f = sp.Function("f")
G = undefined_function("G")


def sigmoid_network() -> sp.Expr:
    """2-2-1 sigmoid network and its half squared error: the hidden σ's repeat."""
    h1 = Sig(w11 * x1 + w12 * x2 + b1)
    h2 = Sig(w21 * x1 + w22 * x2 + b2)
    out = Sig(v1 * h1 + v2 * h2 + c)
    loss = (target - out) ** 2 / 2
    # a hand-written gradient entry reuses every one of those terms again
    grad = -(target - out) * out * (1 - out) * v1 * h1 * (1 - h1) * x1
    return loss + grad + Tanh(h1 * h2) * h1


def bound_variables() -> sp.Expr:
    """Derivative, Subs, Sum, Integral and Lambda: k, t and the Subs variable are bound."""
    return (sp.Derivative(f(x, y), x) * sp.Subs(f(t) ** 2, t, x * y)
            + sp.Sum(x ** k / sp.factorial(k), (k, 0, n))
            + sp.Integral(t * z, (t, 0, 1))
            + sp.Lambda(t, t + y)(z))


def with_undefined() -> sp.Expr:
    return G(x * y, Sig(x)) + Exp(G(x, y)) * Relu(x - y) + sp.log(1 + Sig(z) ** 2)


EXPRESSIONS = {
    "network": sigmoid_network,
    "bound": bound_variables,
    "undefined": with_undefined,
    "plain": lambda: (x + y) ** 3 / (1 + z) + sp.Rational(2, 3) * x,
    "number": lambda: sp.Integer(7),
}


@pytest.fixture(params=sorted(EXPRESSIONS))
def expr(request):
    return EXPRESSIONS[request.param]()


def test_free_symbols_match_sympy(expr):
    assert dag.free_symbols([expr]) == expr.free_symbols


def test_free_symbols_of_several_expressions_is_the_union():
    exprs = [fn() for fn in EXPRESSIONS.values()]
    expected = set().union(*[e.free_symbols for e in exprs])
    assert dag.free_symbols(exprs) == expected
    assert dag.free_symbols([]) == set()


def test_bound_variables_do_not_leak():
    found = dag.free_symbols([bound_variables()])
    assert k not in found and t not in found
    assert {x, y, z, n} <= found
    # a bound variable used freely elsewhere is still free
    assert k in dag.free_symbols([sp.Sum(x ** k, (k, 0, n)) + k])
    assert dag.free_symbols([sp.Sum(x ** k, (k, 0, n))]) == {x, n}


def test_free_symbols_inside_indexed():
    A = sp.IndexedBase("A")
    e = A[x] * y + 1
    expected = {s for s in e.free_symbols if isinstance(s, sp.Symbol)}  # {A, x, y}
    assert dag.free_symbols([e]) == expected


TYPE_QUERIES = [(Sig,), (Tanh,), (Exp, Tanh), (sp.Derivative,), (sp.Sum,), (sp.Symbol,),
                (sp.Pow,), (sp.log,), (Relu, sp.Integral), (type(G(x)),)]


@pytest.mark.parametrize("types", TYPE_QUERIES, ids=lambda ts: "-".join(c.__name__ for c in ts))
def test_has_type_and_atoms_of_match_sympy(expr, types):
    assert dag.has_type(expr, types) == expr.has(*types)
    assert dag.atoms_of(expr, types) == expr.atoms(*types)


def test_has_type_and_atoms_of_count_shared_nodes_once():
    e = sigmoid_network()
    sigs = dag.atoms_of(e, (Sig,))
    assert len(sigs) == 3  # two hidden units and the output, however often each appears
    assert dag.has_type(e, (Sig,)) and not dag.has_type(e, (Exp, sp.Derivative))


def _mappings():
    h1 = Sig(w11 * x1 + w12 * x2 + b1)
    return [
        {x1: sp.Integer(2)},
        {x1: x2, x2: x1},  # simultaneous swap
        {h1: t},  # a shared sub-tree
        {w11 * x1 + w12 * x2 + b1: z},
        {y: Sig(x), z: sp.Rational(1, 3)},
        {k: j},  # renames the bound index of the Sum, as SymPy does
        {f(x, y): G(x, y)},
        {t: x},  # the Subs/Integral/Lambda variable
    ]


@pytest.mark.parametrize("m", range(len(_mappings())))
def test_xreplace_matches_sympy(expr, m):
    mapping = _mappings()[m]
    assert dag.xreplace(expr, mapping) == expr.xreplace(mapping)


def test_xreplace_with_nothing_to_replace_returns_the_same_object():
    e = sigmoid_network()
    assert dag.xreplace(e, {}) is e
    assert dag.xreplace(e, {sp.Symbol("unused"): x}) is e


def test_xreplace_of_matrices_entry_by_entry():
    h = Sig(x * y + z)
    mutable = sp.Matrix([[h, h * (1 - h)], [Exp(h), x + 1]])
    immutable = sp.ImmutableMatrix(mutable)
    mapping = {x: y + 1, h: t}
    for m in (mutable, immutable):
        out = dag.xreplace(m, mapping)
        assert isinstance(out, sp.MatrixBase)
        assert out.shape == (2, 2)
        assert sp.ImmutableMatrix(out) == sp.ImmutableMatrix(m.xreplace(mapping))
    column = sp.ImmutableMatrix([Sig(x), Sig(x) ** 2, y])
    memo: dict = {}
    out = dag.xreplace(column, {x: z}, memo)
    assert out == column.xreplace({x: z})
    assert Sig(x) in memo and memo[Sig(x)] == Sig(z)  # the memo is shared by the entries


SIG_TO_EXP = (lambda s: 1 / (1 + Exp(-s.args[0])))
SIG_TO_TANH = (lambda s: Tanh(s.args[0] / 2))
SIG_DOUBLED = (lambda s: Sig(2 * s.args[0]))  # the result is a Sig again


@pytest.mark.parametrize("fn", [SIG_TO_EXP, SIG_TO_TANH, SIG_DOUBLED],
                         ids=["to-exp", "to-tanh", "same-type"])
def test_replace_type_matches_sympy(expr, fn):
    expected = expr.replace(lambda a: isinstance(a, Sig), fn)
    assert dag.replace_type(expr, (Sig,), fn) == expected


def test_replace_type_does_not_rewrite_its_own_results():
    e = Sig(Sig(x)) + Sig(x)
    out = dag.replace_type(e, (Sig,), SIG_DOUBLED)
    assert out == Sig(2 * Sig(2 * x)) + Sig(2 * x)
    assert out != Sig(4 * Sig(4 * x)) + Sig(4 * x)
    assert out == e.replace(lambda a: isinstance(a, Sig), SIG_DOUBLED)


def test_replace_type_calls_fn_once_per_distinct_node():
    e = sigmoid_network()
    calls = []

    def fn(s):
        calls.append(s)
        return Tanh(s.args[0])
    out = dag.replace_type(e, (Sig,), fn)
    assert len(calls) == len(e.atoms(Sig)) == 3
    assert not out.has(Sig) and len(out.atoms(Tanh)) == 4  # 3 new + the original Tanh
    assert out == e.replace(lambda a: isinstance(a, Sig), lambda s: Tanh(s.args[0]))


def test_replace_type_with_several_types():
    e = Sig(x) + Tanh(y) * Exp(Sig(z))
    fn = lambda a: f(*a.args)  # noqa: E731
    expected = e.replace(lambda a: isinstance(a, (Sig, Tanh)), fn)
    assert dag.replace_type(e, (Sig, Tanh), fn) == expected == f(x) + f(y) * Exp(f(z))


def _deep(base: sp.Basic, depth: int = 60) -> sp.Expr:
    e = base
    for _ in range(depth):
        e = Sig(e) + Sig(e) * e
    return e


def test_deep_shared_expression_is_linear_not_exponential():
    # as a tree this expression has ~3**60 nodes; as a DAG ~5 per level
    e = _deep(x)
    start = time.perf_counter()
    assert dag.free_symbols([e]) == {x}
    swapped = dag.xreplace(e, {x: y})
    assert dag.free_symbols([swapped]) == {y}
    assert swapped == _deep(y)
    assert dag.xreplace(swapped, {y: x}) == e
    assert dag.has_type(e, (Sig,)) and not dag.has_type(e, (Tanh,))
    assert len(dag.atoms_of(e, (Sig,))) == 60
    tanh = dag.replace_type(e, (Sig,), lambda s: Tanh(s.args[0]))
    assert len(dag.atoms_of(tanh, (Tanh,))) == 60 and not dag.has_type(tanh, (Sig,))
    assert time.perf_counter() - start < 2.0


def test_deep_expression_inside_a_sum_and_a_derivative():
    # a bound construct hands its own free symbols to SymPy; everything else stays DAG
    e = _deep(x, 40) + sp.Sum(x ** k, (k, 0, n)) * sp.Derivative(f(y), y)
    start = time.perf_counter()
    assert dag.free_symbols([e]) == {x, y, n}
    assert time.perf_counter() - start < 2.0


def test_walks_enter_indexed_entries():
    # Indexed counts as an atom in SymPy but has arguments: substitution and searches
    # must still reach its indices (a[q] at q = 2 is a[2])
    a = sp.IndexedBase("a")
    q = sp.Symbol("q", integer=True)
    e = a[q] * x + sp.KroneckerDelta(q, 1)
    assert dag.xreplace(e, {q: sp.Integer(2)}) == e.xreplace({q: sp.Integer(2)})
    assert dag.has_type(a[q], (sp.Idx, sp.Symbol)) == a[q].has(q)
    assert dag.atoms_of(e, (sp.Symbol,)) == e.atoms(sp.Symbol)
    assert dag.replace_type(e, (sp.Indexed,), lambda i: y) == y * x + sp.KroneckerDelta(q, 1)


@pytest.mark.parametrize("mapping, expected", [({x: 0}, sp.S.Zero), ({x: 0, n: sp.oo}, sp.nan),
                                               ({x: 0, n: sp.zoo}, sp.nan), ({x: 2}, None)])
def test_xreplace_to_a_zero_factor_is_what_sympy_gives(mapping, expected):
    """A factor replaced by 0 makes the product 0 without SymPy asking whether every
    other factor is finite; an infinite number beside it still gives NaN, as in SymPy."""
    big = x * n * Sig(y + z) * sp.log(1 + Exp(y) / (Exp(y) + Exp(z))) * (t - Tanh(x))
    got = dag.xreplace(big, {k: sp.sympify(v) for k, v in mapping.items()})
    assert got == big.xreplace({k: sp.sympify(v) for k, v in mapping.items()})
    if expected is not None:
        assert got is expected


def test_matrix_product_skips_zero_terms_but_not_infinite_ones():
    from bpcheck.symbolic.linalg import product
    a = sp.ImmutableMatrix([[0, x, 1], [sp.oo, 0, y]])
    b = sp.ImmutableMatrix([[Sig(z)], [0], [sp.log(t)]])
    assert product(a, b) == a * b
    assert product(a, b)[0, 0] == sp.log(t)
    assert product(a, b)[1, 0] == (a * b)[1, 0]


def test_contains_matches_has_type_and_keeps_its_answers():
    memo: dict = {}
    shared = Sig(x + y) * Exp(z)
    with_d = shared + sp.Derivative(undefined_function("G")(x), x, evaluate=False)
    without = shared - Tanh(t)
    for e in (with_d, without, shared, x, sp.Integer(3)):
        assert dag.contains(e, (sp.Derivative,), memo) == dag.has_type(e, (sp.Derivative,))
    assert memo[shared] is False and memo[with_d] is True
    size = len(memo)
    assert dag.contains(shared * 2, (sp.Derivative,), memo) is False
    assert len(memo) == size + 2  # only the new nodes: the product and the number 2


# ---- matrices built on SymPy's own representation --------------------------------------

MATRIX_ITEMS = [
    [x, y, z, t],  # symbols
    [Sig(x) * y + 1, sp.S.Zero, Exp(z), x ** 2],  # expressions with a zero
    [sp.S.Zero, sp.S.One, sp.S.Zero, x],  # mostly numbers
    [sp.Rational(1, 2), sp.Float(1.5), x, sp.S.Zero],
    [sp.S.One, sp.S.Zero, sp.S.Zero, sp.S.One],  # numbers only: the constructor's own way
    [1, x, 0, y],  # Python numbers: the constructor sympifies them
]


@pytest.mark.parametrize("items", MATRIX_ITEMS)
@pytest.mark.parametrize("shape", [(2, 2), (4, 1), (1, 4)])
def test_matrix_is_sympys_matrix(items, shape):
    made, want = dag.matrix(*shape, items), sp.ImmutableMatrix(*shape, items)
    assert type(made) is type(want)
    assert made == want and hash(made) == hash(want) and made.shape == want.shape
    assert dag.flat(made) == want.flat() == dag.flat(want)
    assert all(isinstance(e, sp.Basic) for e in dag.flat(made))
    assert made.T == want.T and made.free_symbols == want.free_symbols
    assert (made * made.T) == (want * want.T) and made + want == 2 * want
    assert {made: 1}[want] == 1  # usable as the same dictionary key


def test_flat_is_a_fresh_list():
    m = dag.matrix(2, 1, [x, y])
    items = dag.flat(m)
    items[0] = z
    assert dag.flat(m) == [x, y]
