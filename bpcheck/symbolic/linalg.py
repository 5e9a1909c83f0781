"""Shape-checked matrix helpers for the formula language.

A formula with a dropped transpose is not "nearly right": it is a product of
incompatible shapes, or a result of the wrong shape.  These helpers raise
`ShapeError` naming both shapes, which the verifier reports as REFUTED.
"""
from __future__ import annotations

from typing import Any, Callable

import sympy as sp

from . import engine
from .dag import NOT_FINITE, flat, matrix
from .atoms import IsMax, MaxOf
from .domain import UndefinedEverywhere, undefined_denominator

Value = Any


class ShapeError(ValueError):
    pass


class IndexRangeError(ShapeError):
    """An index or layer outside the setting (wrong for these sizes, not a shape clash)."""


def is_mat(v: Value) -> bool:
    return isinstance(v, sp.MatrixBase)


def shape_of(v: Value) -> tuple[int, int]:
    return (v.rows, v.cols) if is_mat(v) else (1, 1)


def fmt(v: Value) -> str:
    r, c = shape_of(v)
    return f"{r}×{c}" if is_mat(v) else "scalar"


def scalar(v: Value) -> sp.Expr:
    """A 1×1 matrix is a scalar (row · column products are numbers)."""
    if is_mat(v):
        if v.shape == (1, 1):
            return v[0, 0]
        raise ShapeError(f"expected a scalar, got a {fmt(v)} matrix")
    return v


def unit(v: Value) -> Value:
    return v[0, 0] if is_mat(v) and v.shape == (1, 1) else v


def mat(rows: int, cols: int, fn: Callable[[int, int], sp.Expr]) -> sp.ImmutableMatrix:
    # (a list of entries builds a SymPy matrix several times faster than a function)
    return matrix(rows, cols, [fn(i, j) for i in range(rows) for j in range(cols)])


def entries(v: Value) -> list[sp.Basic]:
    """Entries in row-major order (a scalar is its own one entry)."""
    return flat(v) if is_mat(v) else [v]


def neg(v: Value) -> Value:
    return -v


def add(a: Value, b: Value) -> Value:
    a, b = unit(a), unit(b)
    if is_mat(a) and is_mat(b):
        if a.shape != b.shape:
            raise ShapeError(f"cannot add a {fmt(a)} and a {fmt(b)} matrix")
        return entrywise_sum(a, b)
    if is_mat(a) or is_mat(b):  # 1 - a: a scalar is broadcast, as notes write it
        m, s = (a, b) if is_mat(a) else (b, a)
        return mat(m.rows, m.cols, lambda i, j: _kept_in_sum(m[i, j] + s, m[i, j], s))
    return _kept_in_sum(a + b, a, b)


def mul(a: Value, b: Value) -> Value:
    a, b = unit(a), unit(b)
    if is_mat(a) and is_mat(b):
        return matmul(a, b)
    return _kept_divisors(a * b, a, b)


def matmul(a: Value, b: Value) -> Value:
    if not (is_mat(a) and is_mat(b)):
        return mul(a, b)
    if a.cols != b.rows:
        raise ShapeError(f"cannot multiply a {fmt(a)} by a {fmt(b)} matrix")
    return product(a, b)


# SymPy multiplies and adds symbolic matrices through its polynomial-domain matrices,
# which costs a conversion of every entry each time; entry by entry is several times
# faster here and gives the same canonical expressions.

def product(a: sp.MatrixBase, b: sp.MatrixBase) -> sp.ImmutableMatrix:
    """The matrix product a·b (shapes already checked), kept by its operands' identity:
    worlds of the same widths share their weight and input symbols, so W·x is built
    once per run, not once per world (the operands are kept with it: ids stay unique)."""
    key = (id(a), id(b))
    hit = _PRODUCTS.get(key)
    if hit is not None and hit[0] is a and hit[1] is b:
        return hit[2]
    if len(_PRODUCTS) >= 4096:
        _PRODUCTS.clear()
    out = _product(a, b)
    if isinstance(a, sp.ImmutableMatrix) and isinstance(b, sp.ImmutableMatrix):
        _PRODUCTS[key] = (a, b, out)
    return out


_PRODUCTS: dict[tuple[int, int], tuple[Any, Any, sp.ImmutableMatrix]] = {}


def _product(a: sp.MatrixBase, b: sp.MatrixBase) -> sp.ImmutableMatrix:
    fa, fb, n = flat(a), flat(b), a.cols
    rows = [fa[i * n:(i + 1) * n] for i in range(a.rows)]
    cols = [fb[j::b.cols] for j in range(b.cols)]
    return matrix(len(rows), len(cols),
                  [sp.Add(*[x * y for x, y in zip(r, c) if _nonzero_term(x, y)])
                   for r in rows for c in cols])


def _nonzero_term(x: sp.Expr, y: sp.Expr) -> bool:
    """False when x·y is 0 for sure: SymPy's 0·u asks whether u is finite, which for
    a large u walks all of it (u = ±∞ as a number would make the product NaN)."""
    if x is _ZERO:
        return y in NOT_FINITE
    if y is _ZERO:
        return x in NOT_FINITE
    return True


_ZERO = sp.S.Zero


def entrywise_sum(a: sp.MatrixBase, b: sp.MatrixBase) -> sp.ImmutableMatrix:
    return matrix(a.rows, a.cols, [_kept_in_sum(x + y, x, y) for x, y in zip(flat(a), flat(b))])


def div(a: Value, b: Value) -> Value:
    a, b = unit(a), unit(b)
    if is_mat(b):  # y / s, 1 / s: division by a vector is entry by entry, as notes write it
        if is_mat(a) and a.shape != b.shape:
            raise ShapeError(f"cannot divide a {fmt(a)} by a {fmt(b)} matrix entry by entry")
        return mat(b.rows, b.cols, lambda i, j: div(a[i, j] if is_mat(a) else a, b[i, j]))
    return _kept_divisors(a / b, a, sp.Pow(b, -1, evaluate=False))


def _terms(v: Any) -> int:
    return len(v.args) if isinstance(v, sp.Add) else 0 if v == 0 else 1


def _kept_in_sum(result: Any, a: Any, b: Any) -> Any:
    """SymPy writes A − A as 0, dropping A's divisors: 1/(x·D) − 1/(x·D) with D zero
    everywhere would vanish from a sum, leaving a value where there is none.  So when terms
    disappear in a sum (cancelled, or merged with like terms: rare in formulas), the
    operands' divisors are checked first."""
    if isinstance(result, sp.Basic) and _terms(result) < _terms(a) + _terms(b):
        _check_divisors([v for v in (a, b) if isinstance(v, sp.Basic)])
    return result


def _check_divisors(scalars: list[sp.Basic]) -> None:
    bad = undefined_denominator(scalars)
    if bad is not None:
        raise UndefinedEverywhere(f"division by {sp.sstr(bad)}, which is 0 at every "
                                  "point: the formula is undefined everywhere")


def _kept_divisors(result: Value, *operands: Value) -> Value:
    """SymPy writes 0·v as 0, dropping v's divisors: 0/((x+1)² − x² − 2x − 1) would
    become 0, a value where there is none.  So when a product comes out exactly 0,
    the operands' divisors are checked first (rare: a zero is seldom multiplied)."""
    if result == 0 and not is_mat(result):
        _check_divisors([v for v in operands if isinstance(v, sp.Basic) and not is_mat(v)])
    return result


def power(a: Value, b: Value) -> Value:
    b = scalar(b)
    a = unit(a)
    if is_mat(a):
        if min(a.shape) != 1:
            raise ShapeError(f"power of a {fmt(a)} matrix is ambiguous; use hadamard")
        return mat(a.rows, a.cols, lambda i, j: a[i, j] ** b)
    return a ** b


def hadamard(a: Value, b: Value) -> Value:
    a, b = unit(a), unit(b)
    if not (is_mat(a) and is_mat(b)):
        return mul(a, b)
    if a.shape != b.shape:
        raise ShapeError(f"Hadamard product of a {fmt(a)} and a {fmt(b)} matrix")
    return matrix(a.rows, a.cols, [x * y for x, y in zip(flat(a), flat(b))])


def elementwise(fn: Callable[[sp.Expr], sp.Expr], v: Value) -> Value:
    if is_mat(v):
        return matrix(v.rows, v.cols, [fn(x) for x in flat(v)])
    return fn(v)


def transpose(v: Value) -> Value:
    return v.T if is_mat(v) else v


def partials(fs: list[sp.Expr], xs: list[sp.Symbol]) -> list[list[sp.Expr]]:
    """[∂f/∂x for x in xs] for f in fs.  symengine (SymPy's C++ core) differentiates
    many times faster (`engine.partials`: each atom's own derivative rule, on
    assumption-free symbols); SymPy does what symengine cannot hold (Piecewise,
    Sum, KroneckerDelta, indexed symbols).  Every derivative is still checked
    against finite differences downstream."""
    try:
        return engine.partials(fs, xs)
    except engine.Unsupported:
        return [[sp.diff(f, x) for x in xs] for f in fs]


def derivative(f: Value, var: Value, layout: str,
               partials: Callable[[list, list], list[list]] = partials) -> Value:
    """∂f/∂var: gradients keep the variable's shape; Jacobians follow `layout`
    (`partials` gives the grid of derivatives, entries by variables)."""
    f = unit(f)
    if not is_mat(var):
        if is_mat(f):
            grid = partials(flat(f), [var])
            d = matrix(f.rows, f.cols, [row[0] for row in grid])
            return d.T if layout == "denominator" and d.cols == 1 else d
        return partials([f], [var])[0][0]
    if not is_mat(f):
        row = partials([f], flat(var))[0]
        return mat(var.rows, var.cols, lambda i, j: row[i * var.cols + j])
    if f.cols == 1 and var.cols == 1:
        grid = partials(flat(f), flat(var))
        jac = mat(f.rows, var.rows, lambda i, j: grid[i][j])
        return jac.T if layout == "denominator" else jac
    raise ShapeError(f"the derivative of a {fmt(f)} by a {fmt(var)} matrix is a tensor; "
                     "differentiate an entry instead")


# ---- named functions ----------------------------------------------------------

def _col(*xs: Value) -> Value:
    return sp.ImmutableMatrix([[scalar(x)] for x in xs])


def _column(q: Value, i: Value) -> Value:
    """Column i (from 1) of a matrix: one sample of a batch."""
    k = _int(i)
    if not is_mat(q) or not 1 <= k <= q.shape[1]:
        raise ShapeError(f"column {k} of a {fmt(q)} value does not exist")
    return sp.ImmutableMatrix(q[:, k - 1])


def _row(*xs: Value) -> Value:
    return sp.ImmutableMatrix([[scalar(x) for x in xs]])


def _matrix(*rows: Value) -> Value:
    return sp.ImmutableMatrix([[scalar(x) for x in r] for r in rows])


def _diag(v: Value) -> Value:
    if not is_mat(v) or min(v.shape) != 1:
        raise ShapeError(f"diag needs a vector, got {fmt(v)}")
    items = flat(v)
    return mat(len(items), len(items), lambda i, j: items[i] if i == j else 0)


def _sum(v: Value) -> Value:
    return sp.Add(*entries(v))


def _dot(u: Value, v: Value) -> Value:
    if shape_of(u) != shape_of(v) or not is_mat(u):
        raise ShapeError(f"dot of a {fmt(u)} and a {fmt(v)} value")
    return sp.Add(*[a * b for a, b in zip(u, v)])


def _outer(u: Value, v: Value) -> Value:
    return matmul(sp.ImmutableMatrix(list(u)), sp.ImmutableMatrix([list(v)]))


def _int(v: Value) -> int:
    v = scalar(v)
    if not getattr(v, "is_Integer", False):
        raise ShapeError(f"expected an integer size, got {v}")
    return int(v)


def _ones(*dims: Value) -> Value:
    r, c = (_int(dims[0]), _int(dims[1]) if len(dims) > 1 else 1)
    return mat(r, c, lambda i, j: sp.Integer(1))


def _zeros(*dims: Value) -> Value:
    r, c = (_int(dims[0]), _int(dims[1]) if len(dims) > 1 else 1)
    return mat(r, c, lambda i, j: sp.Integer(0))


def _onehot(m: Value, i: Value, value: Value = sp.Integer(1)) -> Value:
    """1_i(v): an m-vector that is v at entry i (1-based) and 0 elsewhere."""
    m_, i_ = _int(m), _int(i)
    return mat(m_, 1, lambda r, c: scalar(value) if r == i_ - 1 else sp.Integer(0))


def _max(*args: Value) -> Value:
    xs = [x for a in args for x in entries(a)]
    return MaxOf(*xs) if len(xs) > 1 else xs[0]


def _min(*args: Value) -> Value:
    return -_max(*[neg(a) for a in args])


def _argmax_mask(v: Value) -> Value:
    xs = entries(v)
    return mat(v.rows, v.cols, lambda i, j: IsMax(sp.Integer(i * v.cols + j), *xs))


def _softmax(v: Value) -> Value:
    from .world import softmax
    return softmax(v)


def _conv2d(x: Value, k: Value) -> Value:
    """Valid 2-D cross-correlation (what deep-learning libraries call convolution)."""
    rows, cols = x.rows - k.rows + 1, x.cols - k.cols + 1
    if rows < 1 or cols < 1:
        raise ShapeError(f"kernel {fmt(k)} is larger than input {fmt(x)}")
    return mat(rows, cols, lambda i, j: sp.Add(*[x[i + p, j + q] * k[p, q]
                                                  for p in range(k.rows) for q in range(k.cols)]))


def _rot180(k: Value) -> Value:
    return mat(k.rows, k.cols, lambda i, j: k[k.rows - 1 - i, k.cols - 1 - j])


def _pad(g: Value, ph: Value, pw: Value | None = None) -> Value:
    p, q = _int(ph), _int(pw if pw is not None else ph)
    return mat(g.rows + 2 * p, g.cols + 2 * q,
               lambda i, j: g[i - p, j - q] if p <= i < g.rows + p and q <= j < g.cols + q else 0)


def _windows(x: Value, k: int) -> list[list[list[sp.Expr]]]:
    if x.rows % k or x.cols % k:
        raise ShapeError(f"a {fmt(x)} input does not tile into {k}×{k} windows")
    return [[[x[i * k + p, j * k + q] for p in range(k) for q in range(k)]
             for j in range(x.cols // k)] for i in range(x.rows // k)]


def _maxpool(x: Value, k: Value) -> Value:
    w = _windows(x, _int(k))
    return sp.ImmutableMatrix([[MaxOf(*cell) for cell in row] for row in w])


def _meanpool(x: Value, k: Value) -> Value:
    w = _windows(x, _int(k))
    return sp.ImmutableMatrix([[sp.Add(*cell) / len(cell) for cell in row] for row in w])


def _kron(a: Value, b: Value) -> Value:
    return sp.ImmutableMatrix(sp.kronecker_product(sp.Matrix(a), sp.Matrix(b)))


def _upsample(g: Value, k: Value) -> Value:
    return _kron(g, _ones(k, k))


def _sqnorm(v: Value) -> Value:
    return sp.Add(*[e**2 for e in entries(v)])


def _mean(v: Value) -> Value:
    return _sum(v) / len(entries(v))


def _inv(v: Value) -> Value:
    return sp.ImmutableMatrix(sp.Matrix(v).inv())


FUNCS: dict[str, Callable[..., Value]] = {
    "transpose": transpose, "T": transpose, "hadamard": hadamard, "diag": _diag,
    "sum": _sum, "dot": _dot, "outer": _outer, "ones": _ones, "zeros": _zeros,
    "eye": lambda n: sp.ImmutableMatrix(sp.eye(_int(n))), "onehot": _onehot,
    "col": _col, "column": _column, "row": _row, "matrix": _matrix, "max": _max, "min": _min,
    "argmax_mask": _argmax_mask, "softmax": _softmax, "conv2d": _conv2d,
    "rot180": _rot180, "pad": _pad, "maxpool": _maxpool, "meanpool": _meanpool,
    "kron": _kron, "upsample": _upsample, "sqnorm": _sqnorm, "mean": _mean, "inv": _inv,
    "KroneckerDelta": lambda i, j: sp.KroneckerDelta(scalar(i), scalar(j)),
    "kdelta": lambda i, j: sp.KroneckerDelta(scalar(i), scalar(j)),
}


def call(name: str, args: list[Value]) -> Value:
    fn = FUNCS.get(name)
    if fn is None:
        raise ShapeError(f"{name}() is not available in this setting")
    return fn(*args)

