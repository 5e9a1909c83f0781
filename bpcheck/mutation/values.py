"""The mutation oracle's own interpreter of the formula language, over NumPy and mpmath.

It shares nothing with bpcheck's evaluators (SymPy, symengine, the float evaluator): only the
syntax tree comes from the catalog's safe parser.  Values are Python/mpmath scalars or 2-D
NumPy arrays (float64, or object arrays of mpmath numbers).  A 1×1 matrix counts as a
scalar, a scalar added to a matrix is added to every entry, `*` between matrices is the
matrix product.  What the interpreter does not implement raises `Unsupported` naming the
construct (the oracle then does not judge); a formula that is meaningless at these sizes
(shapes that do not fit, a layer the network lacks) raises `IllFormed`.  Where the setting
is involved (names, derivatives, substitutions) the work is the environment's: see
networks.
"""
from __future__ import annotations

import ast
import math
from typing import Any, Callable

import mpmath
import numpy as np


class Unsupported(Exception):
    """A construct the oracle cannot evaluate; the message names it."""


class IllFormed(Exception):
    """A formula with no value at these sizes: shapes that do not fit, a missing index."""


def is_arr(v: Any) -> bool:
    return isinstance(v, np.ndarray)


def unit(v: Any) -> Any:
    """A 1×1 matrix is its entry."""
    return v[0, 0] if is_arr(v) and v.shape == (1, 1) else v


def _real(v: Any) -> Any:
    """mpmath leaves the reals (log of a negative) with a complex: not a real value."""
    return mpmath.mpf("nan") if isinstance(v, mpmath.mpc) else v


_MP_FUNCS: dict[str, Callable] = {
    "exp": mpmath.exp, "log": lambda u: _real(mpmath.log(u)), "sqrt": lambda u: _real(mpmath.sqrt(u)),
    "tanh": mpmath.tanh, "sigmoid": lambda u: 1 / (1 + mpmath.exp(-u)),
    "relu": lambda u: u if u > 0 else mpmath.mpf(0), "abs": abs,
    "step": lambda u: mpmath.mpf(1 if u > 0 else 0), "sin": mpmath.sin, "cos": mpmath.cos,
}
_NP_FUNCS: dict[str, Callable] = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh,
    "sigmoid": lambda u: 1.0 / (1.0 + np.exp(-u)), "relu": lambda u: np.maximum(u, 0.0),
    "abs": np.abs, "step": lambda u: np.where(np.asarray(u) > 0, 1.0, 0.0) + 0.0,
    "sin": np.sin, "cos": np.cos,
}
_MP_FUNCS["ln"], _NP_FUNCS["ln"] = _MP_FUNCS["log"], _NP_FUNCS["log"]


class Backend:
    """Numbers as float64 (`mp=False`) or as mpmath numbers at the current precision."""

    def __init__(self, mp: bool) -> None:
        self.mp = mp

    def number(self, text: str) -> Any:
        return mpmath.mpf(text) if self.mp else float(text)

    def const(self, name: str) -> Any:
        if self.mp:
            return mpmath.pi if name == "pi" else mpmath.e
        return math.pi if name == "pi" else math.e

    def entrywise(self, name: str, v: Any) -> Any:
        if self.mp:
            fn = _MP_FUNCS[name]
            return np.vectorize(fn, otypes=[object])(v) if is_arr(v) else fn(v)
        with np.errstate(all="ignore"):
            out = _NP_FUNCS[name](v)
        return out if is_arr(v) else float(out)

    def array(self, rows: list[list[Any]]) -> np.ndarray:
        return np.array(rows, dtype=object if self.mp else float)

    def zeros(self, r: int, c: int) -> np.ndarray:
        if self.mp:
            return np.array([[mpmath.mpf(0)] * c for _ in range(r)], dtype=object)
        return np.zeros((r, c))


def add(a: Any, b: Any, sign: int = 1) -> Any:
    a, b = unit(a), unit(b)
    if is_arr(a) and is_arr(b) and a.shape != b.shape:
        raise IllFormed(f"adding a {a.shape} and a {b.shape} matrix")
    return a + b if sign > 0 else a - b


def mul(a: Any, b: Any) -> Any:
    a, b = unit(a), unit(b)
    if is_arr(a) and is_arr(b):
        return matmul(a, b)
    return a * b


def matmul(a: Any, b: Any) -> Any:
    a, b = unit(a), unit(b)
    if not (is_arr(a) and is_arr(b)):
        return mul(a, b)
    if a.shape[1] != b.shape[0]:
        raise IllFormed(f"multiplying a {a.shape} by a {b.shape} matrix")
    return unit(a @ b)


def hadamard(a: Any, b: Any) -> Any:
    a, b = unit(a), unit(b)
    if is_arr(a) and is_arr(b) and a.shape != b.shape:
        raise IllFormed(f"Hadamard product of a {a.shape} and a {b.shape} matrix")
    return a * b


def div(a: Any, b: Any) -> Any:
    a, b = unit(a), unit(b)
    if is_arr(b):  # entry by entry (y / s), each entry on its own: a zero divisor is nan
        if is_arr(a) and a.shape != b.shape:
            raise IllFormed(f"dividing a {a.shape} by a {b.shape} matrix")
        out = np.empty(b.shape, dtype=object)
        for idx in np.ndindex(b.shape):
            out[idx] = div(a[idx] if is_arr(a) else a, b[idx])
        return out
    if not is_arr(b) and b == 0:
        return a * float("nan") if not isinstance(b, mpmath.mpf) else a * mpmath.mpf("nan")
    return a / b


def power(a: Any, b: Any) -> Any:
    a, b = unit(a), unit(b)
    if is_arr(a) or is_arr(b):
        raise Unsupported("a power of a matrix")
    if isinstance(a, mpmath.mpf) or isinstance(b, mpmath.mpf):
        return _real(mpmath.power(a, b))
    try:
        out = a ** b
    except (ZeroDivisionError, OverflowError):
        return float("nan")
    return float("nan") if isinstance(out, complex) else out


def transpose(v: Any) -> Any:
    return v.T if is_arr(v) else v


def as_int(v: Any) -> int:
    v = unit(v)
    if is_arr(v) or v != int(v):
        raise IllFormed(f"an index must be an integer, got {v}")
    return int(v)


def entry(v: Any, idx: tuple[int, ...]) -> Any:
    """`v[i]` / `v[i, j]`, 1-based; one index picks from a column or a row."""
    if not is_arr(v):
        if all(i == 1 for i in idx):  # a 1-wide vector is a scalar here
            return v
        raise IllFormed("an index into a scalar")
    rows, cols = v.shape
    if len(idx) == 1:
        if cols == 1:
            idx = (idx[0], 1)
        elif rows == 1:
            idx = (1, idx[0])
        else:
            raise IllFormed(f"one index into a {v.shape} matrix")
    if len(idx) != 2 or not (1 <= idx[0] <= rows and 1 <= idx[1] <= cols):
        raise IllFormed(f"entry {idx} of a {v.shape} matrix")
    return v[idx[0] - 1, idx[1] - 1]


def compare(op: ast.cmpop, a: Any, b: Any) -> bool:
    a, b = unit(a), unit(b)
    if is_arr(a) or is_arr(b):
        raise Unsupported("a comparison of matrices")
    return {ast.Lt: a < b, ast.LtE: a <= b, ast.Gt: a > b, ast.GtE: a >= b,
            ast.Eq: a == b, ast.NotEq: a != b}[type(op)]
