"""Build the symbolic world of a setting: free symbols and a graph of definitions.

Every quantity is a node: free leaves (x, y, W, b, declared symbols) or a
definition over its parents' node symbols (z = W a + b, a = f(z), the loss).
`expand(node, stop)` writes a node in free symbols, except that the `stop`
node is kept as its own symbols: that is what ∂F/∂X means for an intermediate
X (every other path is expanded, X is held as the variable).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import sympy as sp

from .atoms import Exp, Relu, Sig, Step, Tanh
from .dag import flat, free_symbols, matrix, xreplace
from ..model import Setting

Value = Any  # sp.Expr or sp.ImmutableMatrix


@dataclass
class Node:
    name: str
    sym: Value
    defn: Value | None = None  # None for a free leaf
    parents: tuple[str, ...] = ()


@dataclass
class World:
    setting: Setting
    nodes: dict[str, Node] = field(default_factory=dict)
    family: dict[tuple[str, int | None], str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, Callable[..., Value]] = field(default_factory=dict)
    ranges: dict[sp.Symbol, tuple[float, float]] = field(default_factory=dict)
    free: list[sp.Symbol] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=lambda: [{}])
    network: dict[str, Any] | None = None
    layout: str = "numerator"
    indexed: bool = False
    undefined: bool = False  # undefined functions: derivatives may stay unevaluated
    define_trees: dict[str, Any] = field(default_factory=dict)
    functions_indexed: dict[str, Callable[..., Value]] = field(default_factory=dict)
    _memo: dict[tuple[str, str | None], Value] = field(default_factory=dict)
    _graph: dict[Any, Any] = field(default_factory=dict)  # owners(), upstream()
    diff_memo: dict[tuple, Value] = field(default_factory=dict)
    eval_memo: dict[tuple, Value] = field(default_factory=dict)  # evaluate.Evaluator
    subs_memo: dict[tuple, dict] = field(default_factory=dict)  # evaluate: X's expansion put in
    fd_memo: dict[tuple, Any] = field(default_factory=dict)  # threeway: finite differences
    screens: dict[tuple[int, int], Any] = field(default_factory=dict)  # numeric.Screen
    case_memo: dict[tuple, Any] = field(default_factory=dict)  # worlds.cases, onehot_subs
    lemma_uses: dict[str, bool] = field(default_factory=dict)  # decide.links: σ, tanh lemmas
    decided: dict[tuple, Any] = field(default_factory=dict)  # decide.claim: links by claim content

    def add_leaf(self, name: str, sym: Value, lo: float = -2.0, hi: float = 2.0) -> None:
        self.nodes[name] = Node(name, sym)
        self._graph.clear()
        for s in _symbols_of(sym):
            if s not in self.ranges:
                self.free.append(s)
                self.ranges[s] = (lo, hi)

    def add_def(self, name: str, sym: Value, defn: Value, parents: tuple[str, ...]) -> None:
        self.nodes[name] = Node(name, sym, defn, parents)
        self._graph.clear()

    def owners(self) -> dict[sp.Basic, str]:
        """Each node's symbols mapped to the node's name."""
        if "owners" not in self._graph:
            self._graph["owners"] = {s: n for n, node in self.nodes.items()
                                     for s in _entries(node.sym)}
        return self._graph["owners"]

    def upstream(self, name: str) -> list[str] | None:
        """The nodes `name` is computed from, each after its parents (`name` last);
        None if some definition among them holds symbols of a node that is not one of
        its parents (then only the expansion, not a pass over the graph, is right)."""
        key = ("upstream", name)
        if key not in self._graph:
            self._graph[key] = self._topological(name)
        return self._graph[key]

    def _topological(self, name: str) -> list[str] | None:
        order: list[str] = []
        seen: set[str] = set()
        owner = self.owners()

        def visit(n: str) -> bool:
            if n in seen:
                return True
            seen.add(n)
            node = self.nodes[n]
            if node.defn is not None:
                used = {owner[s] for s in free_symbols(_entries(node.defn)) if s in owner}
                if not used <= set(node.parents) or not all(visit(p) for p in node.parents):
                    return False
            order.append(n)
            return True
        return order if visit(name) else None

    def expand(self, name: str, stop: str | None = None) -> Value:
        """The node written in free symbols, holding `stop` as a variable."""
        key = (name, stop)
        if key in self._memo:
            return self._memo[key]
        node = self.nodes[name]
        if name == stop or stop == "*" or node.defn is None:
            value = node.sym
        else:
            subs: dict[sp.Basic, sp.Basic] = {}
            for p in node.parents:
                subs.update(zip(_symbols_of(self.nodes[p].sym),
                                _entries(self.expand(p, stop))))
            value = xreplace(node.defn, subs)
        self._memo[key] = value
        return value


def _symbols_of(v: Value) -> list[sp.Basic]:
    return flat(v) if isinstance(v, sp.MatrixBase) else [v]


def _entries(v: Value) -> list[sp.Basic]:
    return flat(v) if isinstance(v, sp.MatrixBase) else [v]


def sym_matrix(label: str, rows: int, cols: int, **assumptions: Any) -> sp.ImmutableMatrix:
    """A matrix of fresh symbols named after `label` (kept: the worlds of a run, the
    changed settings and smaller widths an explanation tries, share most of them)."""
    key = (label, rows, cols, tuple(sorted(assumptions.items())))
    kept = _SYM_MATRICES.get(key)
    if kept is None:
        if len(_SYM_MATRICES) >= 4096:
            _SYM_MATRICES.clear()
        kept = _SYM_MATRICES[key] = _sym_matrix(label, rows, cols, **assumptions)
    return kept


_SYM_MATRICES: dict[tuple, sp.ImmutableMatrix] = {}


def _sym_matrix(label: str, rows: int, cols: int, **assumptions: Any) -> sp.ImmutableMatrix:
    def name(i: int, j: int) -> str:
        if cols == 1:
            return f"{label}_{{{i + 1}}}"
        return f"{label}_{{{i + 1}{j + 1}}}" if max(rows, cols) < 10 else f"{label}_{{{i + 1},{j + 1}}}"
    # no assumptions: symengine differentiates assumption-free symbols reliably (real
    # values are what the numeric side samples; the algebra never needs the assumption)
    return matrix(rows, cols, [sp.Symbol(name(i, j), **assumptions)
                               for i in range(rows) for j in range(cols)])


# ---- activations and losses -------------------------------------------------

def elementwise(fn: Callable[[sp.Expr], sp.Expr]) -> Callable[[Value], Value]:
    def apply(v: Value) -> Value:
        if isinstance(v, sp.MatrixBase):
            return matrix(v.rows, v.cols, [fn(x) for x in flat(v)])
        return fn(v)
    return apply


def softmax(v: Value) -> Value:
    if not isinstance(v, sp.MatrixBase):
        raise ValueError("softmax needs a vector")
    cols = []
    for j in range(v.cols):
        e = [Exp(v[i, j]) for i in range(v.rows)]
        total = sp.Add(*e)
        cols.append([ei / total for ei in e])
    return matrix(v.rows, v.cols, [cols[j][i] for i in range(v.rows) for j in range(v.cols)])


# The newer activations are written in the atoms above, so every rule the zero test,
# the kink regions and the numeric side know applies unchanged: leaky ReLU and ELU are
# kinked through ReLU(±u) (decided region by region, u = 0 excluded), softplus and swish
# are smooth (their derivatives are proved from σ's rule by the zero test).
LEAKY_SLOPE = sp.Rational(1, 100)  # the default slope of leaky ReLU for u < 0
ELU_ALPHA = sp.Integer(1)  # the default α of ELU


def leaky_relu(u: sp.Expr, slope: sp.Expr = LEAKY_SLOPE) -> sp.Expr:
    """u for u > 0, slope·u for u < 0."""
    return Relu(u) - slope * Relu(-u)


def elu(u: sp.Expr, alpha: sp.Expr = ELU_ALPHA) -> sp.Expr:
    """u for u > 0, α(e^u − 1) for u < 0 (min(u, 0) = u − ReLU(u), so that the kink's
    argument is u itself and the derivative's value at 0 is α, 1 when ELU is C¹)."""
    return Relu(u) + alpha * (Exp(u - Relu(u)) - 1)


def softplus(u: sp.Expr) -> sp.Expr:
    return sp.log(1 + Exp(u))


def swish(u: sp.Expr) -> sp.Expr:
    return u * Sig(u)


# at the kink u = 0 (never sampled) both take the left slope, as the NumPy reference does
def leaky_relu_prime(u: sp.Expr, slope: sp.Expr = LEAKY_SLOPE) -> sp.Expr:
    return slope + (1 - slope) * Step(u)


def elu_prime(u: sp.Expr, alpha: sp.Expr = ELU_ALPHA) -> sp.Expr:
    return Step(u) + alpha * Exp(u - Relu(u)) * (1 - Step(u))


ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "sigmoid": elementwise(Sig),
    "tanh": elementwise(Tanh),
    "relu": elementwise(Relu),
    "identity": lambda v: v,
    "softmax": softmax,
    "leaky_relu": elementwise(leaky_relu),
    "elu": elementwise(elu),
    "softplus": elementwise(softplus),
    "swish": elementwise(swish),
}

DERIVATIVES: dict[str, Callable[[Value], Value]] = {
    "sigmoid": elementwise(lambda u: Sig(u) * (1 - Sig(u))),
    "tanh": elementwise(lambda u: 1 - Tanh(u) ** 2),
    "relu": elementwise(Step),
    "identity": elementwise(lambda u: sp.Integer(1)),
    "leaky_relu": elementwise(leaky_relu_prime),
    "elu": elementwise(elu_prime),
    "softplus": elementwise(Sig),
    "swish": elementwise(lambda u: Sig(u) + u * Sig(u) * (1 - Sig(u))),
}

# Setting keys giving an activation's parameter: (activation, key, default).
PARAMETERS = (("leaky_relu", "leaky_slope", LEAKY_SLOPE), ("elu", "elu_alpha", ELU_ALPHA))


def parameter(setting: Setting, name: str) -> sp.Expr | None:
    """The setting's value of an activation's parameter, exact as written (0.2 is 1/5);
    None for an activation without one."""
    for act, key, default in PARAMETERS:
        if act == name:
            value = setting.get(key, None)
            return default if value is None else sp.Rational(str(value))
    return None


def activation(setting: Setting, name: str) -> tuple[Callable[[Value], Value],
                                                      Callable[[Value], Value] | None]:
    """The activation called `name` and its derivative, with the setting's parameter."""
    p = parameter(setting, name)
    if p is None:
        return ACTIVATIONS[name], DERIVATIVES.get(name)
    forward, prime = {"leaky_relu": (leaky_relu, leaky_relu_prime),
                      "elu": (elu, elu_prime)}[name]
    return elementwise(lambda u: forward(u, p)), elementwise(lambda u: prime(u, p))


def loss_value(kind: str, a: sp.MatrixBase, y: sp.MatrixBase, reduction: str) -> sp.Expr:
    pairs = list(zip(a, y))
    if kind == "mse_half":
        total = sp.Rational(1, 2) * sp.Add(*[(yi - ai) ** 2 for ai, yi in pairs])
    elif kind == "mse_sum":
        total = sp.Add(*[(yi - ai) ** 2 for ai, yi in pairs])
    elif kind == "mse_mean":
        return sp.Add(*[(yi - ai) ** 2 for ai, yi in pairs]) / len(pairs)
    elif kind == "cross_entropy":
        total = -sp.Add(*[yi * sp.log(ai) for ai, yi in pairs])
    elif kind == "binary_cross_entropy":
        total = -sp.Add(*[yi * sp.log(ai) + (1 - yi) * sp.log(1 - ai) for ai, yi in pairs])
    else:
        raise ValueError(f"unknown loss {kind!r}")
    return total / a.cols if reduction == "mean" else total


LOSSES = ("mse_half", "mse_sum", "mse_mean", "cross_entropy", "binary_cross_entropy")
