"""The oracle's interpreter: a syntax tree to a number or a NumPy array (see values).

Names, derivatives and substitutions are asked of the environment (networks, scalar), which
knows the setting; the functions of the formula language are implemented here, each from
its definition in docs/catalog.md (the formula language), without any of bpcheck's evaluators.
"""
from __future__ import annotations

import ast
from typing import Any

import mpmath
import numpy as np

from .values import (Backend, IllFormed, Unsupported, add, as_int, compare, entry,
                          hadamard, is_arr, matmul, mul, power, div, transpose, unit)


class Interpreter:
    """Evaluates a syntax tree in an environment (a network or a scalar world)."""

    def __init__(self, env: Any, source: str) -> None:
        self.env = env
        self.source = source  # the parsed text: literals are read from it exactly
        self.bound: dict[str, int] = {}

    def with_env(self, env: Any) -> "Interpreter":
        other = Interpreter(env, self.source)
        other.bound = dict(self.bound)
        return other

    @property
    def backend(self) -> Backend:
        return self.env.backend

    def eval(self, node: ast.AST) -> Any:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise Unsupported(type(node).__name__)
        return method(node)

    def integer(self, node: ast.AST) -> int:
        return as_int(self.eval(node))

    def _Expression(self, node: ast.Expression) -> Any:
        return self.eval(node.body)

    def _Constant(self, node: ast.Constant) -> Any:
        if node.value is True:
            return True
        text = ast.get_source_segment(self.source, node) or repr(node.value)
        return self.backend.number(text)

    def _Name(self, node: ast.Name) -> Any:
        if node.id in self.bound:
            return self.bound[node.id]
        if node.id in ("pi", "e") and not self.env.knows(node.id):
            return self.backend.const(node.id)
        return self.env.name(node.id)

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        v = unit(self.eval(node.operand))
        return -v if isinstance(node.op, ast.USub) else v

    def _BinOp(self, node: ast.BinOp) -> Any:
        a, b = self.eval(node.left), self.eval(node.right)
        op = type(node.op)
        if op is ast.Add or op is ast.Sub:
            return add(a, b, 1 if op is ast.Add else -1)
        return {ast.Mult: mul, ast.MatMult: matmul, ast.Mod: hadamard, ast.Div: div,
                ast.Pow: power}[op](a, b)

    def _Compare(self, node: ast.Compare) -> bool:
        left = self.eval(node.left)
        for op, right_node in zip(node.ops, node.comparators):
            right = self.eval(right_node)
            if not compare(op, left, right):
                return False
            left = right
        return True

    def _BoolOp(self, node: ast.BoolOp) -> bool:
        values = (bool(self.eval(v)) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)

    def _Subscript(self, node: ast.Subscript) -> Any:
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        family = (self.env.family(node.value.id) if isinstance(node.value, ast.Name)
                  and node.value.id not in self.bound else None)
        if family is not None:  # a family of nodes: W[l], z[l], n[l]
            return family.member(tuple(self.integer(p) for p in parts))
        base = self.eval(node.value)
        return entry(base, tuple(self.integer(p) for p in parts))

    def _Call(self, node: ast.Call) -> Any:
        name, args = node.func.id, node.args
        own = self.env.function(name)
        if own is not None:
            return own([self.eval(a) for a in args])
        if name == "diff":
            if len(args) != 2:
                raise Unsupported("diff with other than two arguments")
            return self.env.derivative(self, args[0], args[1])
        if name == "subs":
            return self._subs(*args)
        if name in ("sum", "Sum") and len(args) == 2:
            return self._index_sum(args[0], args[1])
        if name == "piecewise":
            return self._piecewise(args)
        if name in SIMPLE:
            return SIMPLE[name](self.backend, *[self.eval(a) for a in args])
        if name in ENTRYWISE:
            if len(args) != 1:
                raise IllFormed(f"{name} takes one argument")
            return self.backend.entrywise(name, unit(self.eval(args[0])))
        raise Unsupported(f"{name}()")

    def _subs(self, body: ast.AST, targets: ast.AST, values: ast.AST) -> Any:
        if isinstance(targets, ast.Tuple) != isinstance(values, ast.Tuple):
            raise IllFormed("subs: targets and values do not pair up")
        ts = targets.elts if isinstance(targets, ast.Tuple) else [targets]
        vs = values.elts if isinstance(values, ast.Tuple) else [values]
        if len(ts) != len(vs):
            raise IllFormed("subs: targets and values do not pair up")
        pairs = [(t, self.eval(v)) for t, v in zip(ts, vs)]  # all at once, in this env
        return self.env.substitute(self, body, pairs)

    def _index_sum(self, body: ast.AST, spec: ast.AST) -> Any:
        if not (isinstance(spec, ast.Tuple) and len(spec.elts) == 3
                and isinstance(spec.elts[0], ast.Name)):
            raise Unsupported("sum with a range that is not (k, low, high)")
        k = spec.elts[0].id
        lo, hi = self.integer(spec.elts[1]), self.integer(spec.elts[2])
        total: Any = 0
        saved = self.bound.get(k)
        try:
            for value in range(lo, hi + 1):
                self.bound[k] = value
                total = add(total, self.eval(body)) if value > lo else unit(self.eval(body))
        finally:
            if saved is None:
                self.bound.pop(k, None)
            else:
                self.bound[k] = saved
        return total

    def _piecewise(self, args: list[ast.AST]) -> Any:
        for arg in args:
            if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                raise IllFormed("piecewise takes (value, condition) pairs")
            if bool(self.eval(arg.elts[1])):
                return self.eval(arg.elts[0])
        return self.backend.number("nan")


ENTRYWISE = {"exp", "log", "ln", "sqrt", "tanh", "sigmoid", "relu", "abs", "step", "sin", "cos"}


def _need_arr(v: Any, what: str) -> np.ndarray:
    if not is_arr(v):
        raise IllFormed(f"{what} of a scalar")
    return v


def _vec(v: Any, what: str) -> np.ndarray:
    v = _need_arr(v, what)
    if v.shape[1] != 1:
        raise IllFormed(f"{what} of a {v.shape} matrix, not a column")
    return v


def _total(v: Any) -> Any:
    v = unit(v)
    if not is_arr(v):
        return v
    out = v.flat[0]
    for x in list(v.flat)[1:]:
        out = out + x
    return out


def _sum(b: Backend, *args: Any) -> Any:
    if len(args) != 1:
        raise Unsupported("sum with these arguments")
    return _total(args[0])


def _stack(b: Backend, rows: list[list[Any]]) -> np.ndarray:
    if any(is_arr(unit(x)) for row in rows for x in row):
        raise Unsupported("a literal matrix with matrix entries")
    return b.array([[unit(x) for x in row] for row in rows])


def _diag(b: Backend, v: Any) -> Any:
    v = unit(v)
    if not is_arr(v):
        return v
    v = _vec(v, "diag")
    out = b.zeros(v.shape[0], v.shape[0])
    for i in range(v.shape[0]):
        out[i, i] = v[i, 0]
    return out


def _sized(b: Backend, fill: str, dims: tuple[Any, ...]) -> Any:
    r = as_int(dims[0])
    c = as_int(dims[1]) if len(dims) > 1 else 1
    out = b.zeros(r, c)
    return unit(out + 1 if fill == "ones" else out)


def _eye(b: Backend, n: Any) -> Any:
    out = b.zeros(as_int(n), as_int(n))
    for i in range(out.shape[0]):
        out[i, i] = out[i, i] + 1
    return unit(out)


def _onehot(b: Backend, m: Any, i: Any, value: Any = 1) -> np.ndarray:
    out = b.zeros(as_int(m), 1)
    k = as_int(i)
    if not 1 <= k <= out.shape[0]:
        raise IllFormed(f"onehot index {k} outside 1..{out.shape[0]}")
    if is_arr(unit(value)):
        raise IllFormed("onehot with a matrix value")
    out[k - 1, 0] = unit(value)
    return out


def _dot(b: Backend, u: Any, v: Any) -> Any:
    u, v = _need_arr(u, "dot"), _need_arr(v, "dot")
    if u.shape != v.shape:
        raise IllFormed(f"dot of a {u.shape} and a {v.shape} matrix")
    return _total(u * v)


def _softmax(b: Backend, v: Any) -> np.ndarray:
    v = _need_arr(v, "softmax")
    e = b.entrywise("exp", v)
    sums = [_total(e[:, j:j + 1]) for j in range(e.shape[1])]
    return unit(np.array([[e[i, j] / sums[j] for j in range(e.shape[1])]
                          for i in range(e.shape[0])], dtype=e.dtype))


def _inv(b: Backend, a: Any) -> Any:
    a = unit(a)
    if not is_arr(a):
        return 1 / a
    if a.shape[0] != a.shape[1]:
        raise IllFormed(f"inverse of a {a.shape} matrix")
    if b.mp:
        return np.array((mpmath.matrix(a.tolist()) ** -1).tolist(), dtype=object)
    return np.linalg.inv(a)


def _conv2d(b: Backend, x: Any, k: Any) -> Any:
    x, k = _need_arr(x, "conv2d"), _need_arr(k, "conv2d")
    rows, cols = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1
    if rows < 1 or cols < 1:
        raise IllFormed(f"kernel {k.shape} larger than input {x.shape}")
    return unit(b.array([[_total(x[i:i + k.shape[0], j:j + k.shape[1]] * k) for j in range(cols)]
                         for i in range(rows)]))


def _pad(b: Backend, g: Any, p: Any, q: Any = None) -> np.ndarray:
    g = _need_arr(g, "pad")
    p = as_int(p)
    q = p if q is None else as_int(q)
    out = b.zeros(g.shape[0] + 2 * p, g.shape[1] + 2 * q)
    out[p:p + g.shape[0], q:q + g.shape[1]] = g
    return out


def _pool(b: Backend, x: Any, k: Any, reduce) -> Any:
    x, k = _need_arr(x, "pooling"), as_int(k)
    if x.shape[0] % k or x.shape[1] % k:
        raise IllFormed(f"a {x.shape} input does not tile into {k}×{k} windows")
    return unit(b.array([[reduce(list(x[i * k:(i + 1) * k, j * k:(j + 1) * k].flat))
                          for j in range(x.shape[1] // k)] for i in range(x.shape[0] // k)]))


def _argmax_mask(b: Backend, x: Any) -> np.ndarray:
    x = _need_arr(x, "argmax_mask")
    flat = list(x.flat)
    top = max(range(len(flat)), key=lambda n: flat[n])
    out = b.zeros(*x.shape)
    out.flat[top] = out.flat[top] + 1
    return out


def _kron(b: Backend, u: Any, v: Any) -> Any:
    u, v = _need_arr(u, "kron"), _need_arr(v, "kron")
    return unit(np.kron(u, v))


def _upsample(b: Backend, g: Any, k: Any) -> Any:
    k = as_int(k)
    return _kron(b, g, _sized(b, "ones", (k, k)))


def _scalars(args: tuple[Any, ...], what: str) -> list[Any]:
    values = [unit(a) for a in args]
    if any(is_arr(v) for v in values):
        raise Unsupported(f"{what} of matrices")
    return values


SIMPLE = {
    "transpose": lambda b, v: transpose(v), "T": lambda b, v: transpose(v),
    "hadamard": lambda b, u, v: hadamard(u, v), "diag": _diag, "sum": _sum, "Sum": _sum,
    "dot": _dot, "outer": lambda b, u, v: matmul(_vec(u, "outer"), transpose(_vec(v, "outer"))),
    "ones": lambda b, *d: _sized(b, "ones", d), "zeros": lambda b, *d: _sized(b, "zeros", d),
    "eye": _eye, "onehot": _onehot, "inv": _inv,
    "col": lambda b, *xs: unit(_stack(b, [[x] for x in xs])),
    "row": lambda b, *xs: unit(_stack(b, [list(xs)])),
    "column": lambda b, q, i: _need_arr(q, "column")[:, [as_int(i) - 1]],
    "sqnorm": lambda b, v: _total(hadamard(v, v)),
    "mean": lambda b, v: _total(v) / (v.size if is_arr(v) else 1),
    "KroneckerDelta": lambda b, i, j: b.number("1" if as_int(i) == as_int(j) else "0"),
    "softmax": _softmax, "conv2d": _conv2d, "rot180": lambda b, k: _need_arr(k, "rot180")[::-1, ::-1],
    "pad": _pad, "maxpool": lambda b, x, k: _pool(b, x, k, max),
    "meanpool": lambda b, x, k: _pool(b, x, k, lambda c: _total(np.array(c, dtype=object)) / len(c)),
    "argmax_mask": _argmax_mask, "upsample": _upsample, "kron": _kron,
    "max": lambda b, *xs: max(_scalars(xs, "max")), "min": lambda b, *xs: min(_scalars(xs, "min")),
}
SIMPLE["kdelta"] = SIMPLE["KroneckerDelta"]


def _matrix(b: Backend, *rows: Any) -> np.ndarray:
    raise Unsupported("matrix() literal")  # its rows are tuples: handled nowhere yet


SIMPLE["matrix"] = _matrix
