"""Turn a checked formula tree into a SymPy value within a world.

Vectors are column matrices; `*` is the matrix product (scalars scale), `%`
or ⊙ the Hadamard product, and every operation checks shapes, so a missing
transpose is refuted by its shapes before any algebra.  Indices are 1-based,
as the sources write them.
"""
from __future__ import annotations

import ast
from typing import Any

import sympy as sp

from . import dag
from . import engine
from . import linalg as la
from .atoms import AbsF, Exp, Relu, Sig, Step, Tanh
from .columns import column_entry, is_column
from .linalg import IndexRangeError, ShapeError, shape_of
from ..catalog.formula import node_key
from .gradients import engine_expansion, gradient
from .zero_test import canonical_derivatives
from .world import World, elu, leaky_relu, parameter, softplus, swish

Value = Any


class EvalError(ValueError):
    """A formula that is well-formed text but meaningless in its setting."""


ELEMENTWISE = {
    "exp": Exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "tanh": Tanh,
    "sigmoid": Sig, "relu": Relu, "abs": AbsF, "step": Step, "sin": sp.sin, "cos": sp.cos,
    "softplus": softplus, "swish": swish,
}
# activations with a parameter: leaky_relu(u[, slope]), elu(u[, alpha]); left out, the
# setting's (leaky_slope, elu_alpha) or the default
PARAMETRIC = {"leaky_relu": leaky_relu, "elu": elu}


_KEPT = (ast.BinOp, ast.Call, ast.Subscript, ast.UnaryOp)
MAX_KEPT = 20_000
_METHODS: dict[type, Any] = {}  # node type -> Evaluator method (found once, not per node)


class Evaluator:
    def __init__(self, world: World, bindings: dict[str, Any], stop: str | None = None):
        self.world = world
        self.bindings = bindings
        self.stop = stop
        self._context = (stop, tuple(sorted(bindings.items())))

    # -- entry points -------------------------------------------------------
    def eval(self, node: ast.AST) -> Value:
        """The node's value; operations are kept per world by structure and context
        (a repair or a chain member shares most sub-terms with the formula before it)."""
        method = _METHODS.get(type(node))
        if method is None:
            method = _METHODS[type(node)] = getattr(type(self), "_" + type(node).__name__, None)
            if method is None:
                del _METHODS[type(node)]
                raise EvalError(f"{type(node).__name__} cannot be evaluated")
        if not isinstance(node, _KEPT):
            return method(self, node)
        key = (node_key(node), self._context)
        memo = self.world.eval_memo
        value = memo.get(key)
        if value is None:
            if len(memo) > MAX_KEPT:
                memo.clear()
            value = memo[key] = method(self, node)
        return value

    def integer(self, node: ast.AST) -> int:
        v = self.eval(node)
        if isinstance(v, sp.MatrixBase) or not getattr(v, "is_Integer", False):
            raise EvalError(f"index {ast.unparse(node)!r} is not an integer here")
        return int(v)

    # -- leaves ---------------------------------------------------------------
    def _Expression(self, node: ast.Expression) -> Value:
        return self.eval(node.body)

    def _Constant(self, node: ast.Constant) -> Value:
        if node.value is True:
            return sp.true
        if isinstance(node.value, float):
            return sp.Rational(repr(node.value))  # exact: 0.2447 stays 2447/10000
        return sp.Integer(node.value)

    def _Name(self, node: ast.Name) -> Value:
        name = node.id
        if name in self.bindings:
            return sp.Integer(self.bindings[name])  # index bindings are integers, never text
        if name in self.world.constants:
            return self.world.constants[name]
        if name == "pi":
            return sp.pi
        if name == "e":
            return Exp(sp.Integer(1))
        node_name = self.world.family.get((name, None)) if name not in self.world.nodes else name
        if node_name is not None:
            return self.world.expand(node_name, self.stop)
        if (name, 1) in self.world.family or name in ("W", "b", "z", "a", "delta"):
            raise EvalError(f"{name!r} needs a layer index, e.g. {name}[l]")
        raise EvalError(f"{name!r} has no value in this setting")

    def _Tuple(self, node: ast.Tuple) -> Value:
        return tuple(self.eval(e) for e in node.elts)

    _List = _Tuple

    # -- references to nodes (for indices and diff's variable) ---------------
    def reference(self, node: ast.AST) -> tuple[str, tuple[int, ...] | None]:
        """Resolve `W[l]`, `W[l][i, j]`, `z[L][k]`, `J`, `w3` to (node, entry)."""
        if isinstance(node, ast.Name):
            if node.id in self.world.nodes:
                return node.id, None
            alias = self.world.family.get((node.id, None))
            if alias:
                return alias, None
        if isinstance(node, ast.Subscript) and is_column(node.value):
            return self.reference(column_entry(node))  # z_k of sample p: Z[k, p] of the batch
        if isinstance(node, ast.Subscript):
            base = node.value
            if isinstance(base, ast.Name) and not self._is_vector_name(base.id):
                layer = self.integer(node.slice)
                key = (base.id, layer)
                if key not in self.world.family:
                    layers = sorted(k for f, k in self.world.family if f == base.id and k is not None)
                    span = f" (layers {layers[0]}..{layers[-1]})" if layers else ""
                    raise IndexRangeError(f"{base.id}[{layer}] does not exist in this network{span}")
                return self.world.family[key], None
            target, entry = self.reference(base)
            if entry is not None:
                raise EvalError(f"too many subscripts in {ast.unparse(node)!r}")
            return target, self._entry_index(node.slice, self.world.nodes[target].sym)
        raise EvalError(f"cannot differentiate with respect to {ast.unparse(node)!r}")

    def _is_vector_name(self, name: str) -> bool:
        """A subscript on a name with layers (W, z, x^(l), ...) is a layer number;
        on a plain vector (y, yhat, a declared vector) it picks an entry."""
        if (name, 1) in self.world.family or (name, 0) in self.world.family:
            return False
        return name in self.world.nodes or (name, None) in self.world.family

    def _entry_index(self, slice_node: ast.AST, value: Value) -> tuple[int, ...]:
        parts = slice_node.elts if isinstance(slice_node, ast.Tuple) else [slice_node]
        idx = tuple(self.integer(p) - 1 for p in parts)
        rows, cols = shape_of(value)
        if len(idx) == 1:
            if rows > 1 and cols > 1:  # one index names an entry of a vector only
                raise ShapeError(f"one index on a {rows}×{cols} matrix: give row and column")
            idx = (idx[0], 0) if cols == 1 else (0, idx[0])
        r, c = idx
        if not (0 <= r < rows and 0 <= c < cols):
            raise IndexRangeError(f"index {tuple(i + 1 for i in idx)} is outside a {rows}×{cols} value")
        return idx

    def _Subscript(self, node: ast.Subscript) -> Value:
        base = node.value
        if isinstance(base, ast.Name) and isinstance(self.world.constants.get(base.id),
                                                     sp.IndexedBase):
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            return self.world.constants[base.id][tuple(la.scalar(self.eval(p)) for p in parts)]
        if isinstance(base, ast.Name) and base.id in self.world.functions_indexed:
            return self.world.functions_indexed[base.id](self, node)
        if isinstance(base, ast.Name) and base.id == "delta" and self.world.network:
            return self._delta(self.integer(node.slice))
        if isinstance(base, ast.Name) and base.id == "n" and self.world.network:
            layer = self.integer(node.slice)
            if ("a", layer) not in self.world.family:
                raise IndexRangeError(f"layer {layer} does not exist in this network, so n[{layer}] has no value")
            return sp.Integer(self.world.network["width"](layer))
        if isinstance(base, ast.Name) and not self._is_vector_name(base.id):
            target, _ = self.reference(node)
            return self.world.expand(target, self.stop)
        value = self.eval(base)
        if not isinstance(value, sp.MatrixBase):
            raise ShapeError(f"{ast.unparse(base)!r} is a scalar and has no entries")
        r, c = self._entry_index(node.slice, value)
        return value[r, c]

    def _delta(self, layer: int) -> Value:
        loss = self.world.network["loss_symbol"]
        tree = ast.parse(f"diff({loss}, z[{layer}])", mode="eval")
        factor = self.world.network.get("delta_factor", 1)  # delta = "per_example"
        return self.eval(tree) if factor == 1 else la.mul(sp.Integer(factor), self.eval(tree))

    # -- operators ------------------------------------------------------------
    def _UnaryOp(self, node: ast.UnaryOp) -> Value:
        v = self.eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else v

    def _BinOp(self, node: ast.BinOp) -> Value:
        a, b = self.eval(node.left), self.eval(node.right)
        op = type(node.op)
        if op is ast.Add:
            return la.add(a, b)
        if op is ast.Sub:
            return la.add(a, la.neg(b))
        if op is ast.Mult:
            return la.mul(a, b)
        if op is ast.MatMult:
            return la.matmul(a, b)
        if op is ast.Div:
            return la.div(a, b)
        if op is ast.Pow:
            return la.power(a, b)
        if op is ast.Mod:
            return la.hadamard(a, b)
        raise EvalError(f"operator {op.__name__} is not supported")

    def _Compare(self, node: ast.Compare) -> Value:
        ops = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge,
               ast.Eq: sp.Eq, ast.NotEq: sp.Ne}
        left = self.eval(node.left)
        parts = []
        for op, comp in zip(node.ops, node.comparators):
            right = self.eval(comp)
            parts.append(ops[type(op)](la.scalar(left), la.scalar(right)))
            left = right
        return sp.And(*parts)

    def _BoolOp(self, node: ast.BoolOp) -> Value:
        vals = [self.eval(v) for v in node.values]
        return sp.And(*vals) if isinstance(node.op, ast.And) else sp.Or(*vals)

    # -- calls ------------------------------------------------------------------
    def _Call(self, node: ast.Call) -> Value:
        name = node.func.id
        if name in ("diff",):
            return self._diff(node)
        if name in ("sum", "Sum") and len(node.args) == 2:
            return self._sum(node, symbolic=(name == "Sum"))
        if name == "piecewise":
            return self._piecewise(node)
        if name == "subs":
            return self._subs(node)
        args = [self.eval(a) for a in node.args]
        if name in self.world.functions:
            return self.world.functions[name](*args)
        if name in ELEMENTWISE:
            return la.elementwise(ELEMENTWISE[name], args[0])
        if name in PARAMETRIC:
            return self._parametric(name, args)
        return la.call(name, args)

    def _parametric(self, name: str, args: list[Value]) -> Value:
        if len(args) not in (1, 2):
            raise EvalError(f"{name} takes one or two arguments: {name}(u) or {name}(u, p)")
        p = args[1] if len(args) == 2 else parameter(self.world.setting, name)
        if isinstance(p, sp.MatrixBase):
            raise EvalError(f"{name}'s parameter must be a scalar")
        fn = PARAMETRIC[name]
        return la.elementwise(lambda u: fn(u, p), args[0])

    def _subs(self, node: ast.Call) -> Value:
        """subs(F, X, V): F with the free variable(s) X replaced by V, all at once."""
        if len(node.args) != 3:
            raise EvalError("subs takes three arguments: subs(F, X, V)")
        f_node, x_node, v_node = node.args
        targets = x_node.elts if isinstance(x_node, ast.Tuple) else [x_node]
        values = v_node.elts if isinstance(v_node, ast.Tuple) else [v_node]
        if len(targets) != len(values):
            raise EvalError("subs needs as many values as variables")
        mapping: dict = {}
        for t, v in zip(targets, values):
            name, entry = self.reference(t)
            if self.world.nodes[name].defn is not None:
                raise EvalError(f"subs replaces free variables only, not {name!r}")
            sym = self.world.nodes[name].sym
            sym = sym[entry] if entry is not None else sym
            val = la.unit(self.eval(v))
            if la.shape_of(sym) != la.shape_of(val) and la.is_mat(sym):
                raise ShapeError(f"subs: {la.fmt(sym)} variable, {la.fmt(val)} value")
            mapping.update(zip(la.entries(sym), la.entries(val)))
        f = self.eval(f_node)
        if self.world.undefined:
            f = la.elementwise(canonical_derivatives, f)
        return dag.xreplace(f, mapping)

    def _piecewise(self, node: ast.Call) -> Value:
        pieces = []
        for arg in node.args:
            if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                raise EvalError("piecewise takes (value, condition) pairs")
            pieces.append((la.scalar(self.eval(arg.elts[0])), self.eval(arg.elts[1])))
        return sp.Piecewise(*pieces)

    def _sum(self, node: ast.Call, symbolic: bool) -> Value:
        spec = node.args[1]
        if not (isinstance(spec, ast.Tuple) and len(spec.elts) == 3
                and isinstance(spec.elts[0], ast.Name)):
            raise EvalError("sum over an index is written sum(expr, (k, low, high))")
        var = spec.elts[0].id
        if symbolic or var in self.world.constants:
            k = self.world.constants.get(var, sp.Symbol(var, integer=True))
            lo, hi = self.eval(spec.elts[1]), self.eval(spec.elts[2])
            return sp.Sum(la.scalar(self.eval(node.args[0])), (k, lo, hi))
        lo, hi = self.integer(spec.elts[1]), self.integer(spec.elts[2])
        total: Value = sp.Integer(0)
        for k in range(lo, hi + 1):
            inner = Evaluator(self.world, {**self.bindings, var: k}, self.stop)
            total = la.add(total, inner.eval(node.args[0]))
        return total

    def _diff(self, node: ast.Call) -> Value:
        if len(node.args) != 2:
            raise EvalError("diff takes two arguments: diff(F, X)")
        f_node, x_node = node.args
        size = self.size_named(f_node)
        if size is not None:
            # a size (the depth L) has no derivative to claim: a note that writes its loss
            # as L means loss_symbol=L, and reading it as the constant would refute it
            raise EvalError(f"diff({size}, ...): {size} is a size here, not a quantity; if "
                            f"{size} is the loss, set loss_symbol={size} (and another "
                            "depth_symbol)")
        if self.world.indexed:
            return sp.diff(la.scalar(self.eval(f_node)), self.eval(x_node))
        target, entry = self.diff_target(x_node)
        var = la.entries(self.world.nodes[target].sym)
        if not all(getattr(s, "is_Symbol", True) for s in var):
            raise EvalError(f"{ast.unparse(x_node)} is not a variable here: a probability "
                            "target's last entry is 1 minus the others")
        d = self._gradient(f_node, target, entry)
        if d is not None:
            return d
        return self._derivative(f_node, target, entry)

    def size_named(self, node: ast.AST) -> str | None:
        """The text of `node` when it names a size (the depth, a width n[l], a declared
        integer), which is a number and so has no derivative worth claiming."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and node.value.id == "n" and self.world.network:
            return ast.unparse(node)
        if isinstance(node, ast.Name):
            value = self.world.constants.get(node.id)
            if isinstance(value, (sp.Integer, sp.Symbol)) and value.is_integer:
                return node.id
        return None

    def _gradient(self, f_node: ast.AST, target: str, entry: tuple[int, int] | None) -> Value:
        """∂F/∂X for F a scalar quantity (the loss): from one reverse pass per setting
        (`gradients`), instead of expanding F with X held for every X.  None: not such
        a case, and `_derivative` decides."""
        f_name = self.scalar_quantity(f_node)
        if f_name is None:
            return None
        grad = gradient(self.world, f_name, target)
        if grad is None:
            return None
        if self.world.undefined:
            grad = [canonical_derivatives(g) for g in grad]
        var = self.world.nodes[target].sym
        if entry is not None:
            return grad[entry[0] * var.cols + entry[1]]
        return la.mat(var.rows, var.cols, lambda i, j: grad[i * var.cols + j]) \
            if la.is_mat(var) else grad[0]

    def scalar_quantity(self, f_node: ast.AST) -> str | None:
        """The node a `diff`'s F names, when it is a scalar quantity with a definition
        (the loss) and no variable is held here; None otherwise."""
        if self.stop is not None or not isinstance(f_node, ast.Name):
            return None
        try:
            f_name, f_entry = self.reference(f_node)
        except EvalError:
            return None
        node = self.world.nodes[f_name]
        if f_entry is not None or node.defn is None or not isinstance(node.sym, sp.Symbol):
            return None
        return f_name

    def _derivative(self, f_node: ast.AST, target: str, entry: tuple[int, int] | None) -> Value:
        """∂F/∂X: F written with X held as its own symbols, differentiated, and X's
        definition put back; kept per world, since formulas and repairs differentiate
        the same quantities (every δ^(l+1)) again and again."""
        key = ("derivative", node_key(f_node), target, entry, self.stop,
               tuple(sorted(self.bindings.items())))
        memo = self.world.diff_memo
        if key not in memo:
            if len(memo) > 4096:
                memo.clear()
            f = Evaluator(self.world, self.bindings, stop=target).eval(f_node)
            var = self.world.nodes[target].sym
            memo[key] = la.derivative(f, var[entry] if entry is not None else var,
                                      self.world.layout, lambda fs, xs: self._put_back(
                                          target, fs, xs))
        return memo[key]

    def _put_back(self, target: str, fs: list[sp.Expr], xs: list[sp.Symbol]) -> list[list[Value]]:
        """The partials of `fs` by X's symbols `xs`, with X's definition put back: in
        symengine when it holds them all (one substitution there, read back once),
        else in SymPy."""
        defined = self.world.nodes[target].defn is not None
        try:
            rows = engine.engine_partials(fs, xs)
            mapping = engine_expansion(self.world, target, self.stop) if defined else {}
            return [[engine.from_engine(g.xreplace(mapping) if mapping else g) for g in row]
                    for row in rows]
        except engine.Unsupported:
            pass
        rows = la.partials(fs, xs)
        if not defined:
            return rows
        outer = self.world.expand(target, self.stop)
        mapping = dict(zip(la.entries(self.world.nodes[target].sym), la.entries(outer)))
        # one memo per substitution: the derivatives by X share most sub-terms
        memo = self.world.subs_memo.setdefault((target, self.stop), {})
        if len(memo) > MAX_KEPT * 10:
            memo.clear()
        canon = canonical_derivatives if self.world.undefined else (lambda e: e)
        # (∂G as one atom first, so that substituting its arguments is exact)
        return [[dag.xreplace(canon(d), mapping, memo) for d in row] for row in rows]

    def diff_target(self, x_node: ast.AST) -> tuple[str, tuple[int, int] | None]:
        try:
            return self.reference(x_node)
        except EvalError:
            # ∂E/∂f(O1): a definition whose formula is exactly the variable written
            text = ast.dump(x_node)
            for name, tree in self.world.define_trees.items():
                if ast.dump(tree.body) == text:
                    return name, None
            raise


def activation_functions(world: World, forward, derivative) -> None:
    """`f`/`g` and `fprime`/`gprime`: the setting's (hidden) activation and its derivative
    (None for softmax)."""
    for name in ("f", "g"):
        world.functions.setdefault(name, forward)
        if derivative is not None:
            world.functions.setdefault(name + "prime", derivative)
    if derivative is not None:
        world.functions.setdefault("df", derivative)


__all__ = ["Evaluator", "EvalError", "ShapeError"]
