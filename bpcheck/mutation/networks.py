"""Environments for the oracle's interpreter: a network from the NumPy reference, or a
scalar setting's symbols at sampled mpmath values.

An environment answers names, derivatives (`diff`) and substitutions (`subs`).  A
derivative of the loss by a network node is the reference backprop's; any other
derivative is taken numerically: central differences with Richardson extrapolation in
float64 for networks, central differences at 60 digits with a step of 1e-20 for scalar
settings (error far below the 1e-12 tolerance, even for a derivative inside a derivative).
"""
from __future__ import annotations

import ast
import zlib
from typing import Any, Callable

import mpmath
import numpy as np

from ..reference.network import ACTIVATIONS, MLP, Params
from .values import Backend, IllFormed, Unsupported, entry, is_arr, unit

MP_DIGITS = 60
MP_STEP = mpmath.mpf("1e-20")
FAMILIES = ("W", "b", "B", "z", "a", "x", "delta", "n")


class Env:
    """What both kinds of environment share: targets, overrides, numeric derivatives."""

    backend: Backend
    layout = "numerator"

    def __init__(self) -> None:
        self.overrides: dict[Any, Any] = {}

    def override(self, target: tuple, value: Any) -> "Env":
        node, idx = target
        if idx is not None:  # one entry of a node varies: the node is held with that entry
            whole = np.array(self.node_value(node), copy=True)
            whole[idx] = unit(value)
            value = whole
        elif not is_arr(value) and is_arr(self.node_value(node)):  # a 1×1 node held as a number
            value = np.array([[value]], dtype=self.node_value(node).dtype)
        other = self.copy()
        other.overrides = {**self.overrides, node: value}
        return other

    def target(self, interp: Any, node: ast.AST) -> tuple:
        whole = self.node_target(node, interp)
        if whole is not None:
            return whole, None
        if isinstance(node, ast.Subscript):
            inner = self.node_target(node.value, interp)
            if inner is not None:
                parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                idx = tuple(interp.integer(p) for p in parts)
                shape = np.shape(self.node_value(inner))
                entry(self.node_value(inner), idx)  # raises IllFormed when out of range
                if len(idx) == 1:
                    idx = (idx[0], 1) if shape[1] == 1 else (1, idx[0])
                return inner, (idx[0] - 1, idx[1] - 1)
        raise Unsupported(f"differentiating or substituting by {ast.unparse(node)}")

    def value_of(self, target: tuple) -> Any:
        node, idx = target
        value = self.node_value(node)
        return value if idx is None else value[idx]

    def substitute(self, interp: Any, body: ast.AST, pairs: list[tuple[ast.AST, Any]]) -> Any:
        env: Env = self
        for node, value in pairs:
            target = self.target(interp, node)
            old = self.value_of(target)
            if np.shape(unit(old)) != np.shape(unit(value)):
                raise IllFormed("subs: a value of another shape")
            env = env.override(target, value)
        return interp.with_env(env).eval(body)

    def derivative(self, interp: Any, f_node: ast.AST, x_node: ast.AST) -> Any:
        known = self.loss_gradient(interp, f_node, x_node)
        if known is not None:
            return known
        target = self.target(interp, x_node)
        base = unit(self.value_of(target))

        def at(env: Env) -> Any:
            return unit(interp.with_env(env).eval(f_node))
        if not is_arr(base):
            d = unit(self.slope(lambda t: at(self.override(target, t)), base))
            return d.T if is_arr(d) and self.layout == "denominator" and d.shape[1] == 1 else d
        grads = {}
        for idx in np.ndindex(base.shape):
            sub = (target[0], idx) if target[1] is None else None
            grads[idx] = unit(self.slope(lambda t, s=sub: at(self.override(s, t)), base[idx]))
        first = grads[next(iter(grads))]
        if not is_arr(first):
            out = np.empty(base.shape, dtype=object if self.backend.mp else float)
            for idx, g in grads.items():
                out[idx] = g
            return unit(out)
        if first.shape[1] == 1 and base.shape[1] == 1:
            jac = np.hstack([grads[(i, 0)] for i in range(base.shape[0])])
            return unit(jac.T if self.layout == "denominator" else jac)
        raise Unsupported("the derivative of a matrix by a matrix")

    def slope(self, g: Callable[[Any], Any], t: Any) -> Any:
        if self.backend.mp:
            h = MP_STEP * max(1, abs(t))
            return (g(t + h) - g(t - h)) / (2 * h)
        h = 1e-4 * max(1.0, abs(float(t)))

        def central(s: float) -> Any:
            return (g(t + s) - g(t - s)) / (2 * s)
        return (4 * central(h / 2) - central(h)) / 3  # Richardson: error O(h^4)

    def loss_gradient(self, interp: Any, f_node: ast.AST, x_node: ast.AST) -> Any:
        return None

    def knows(self, name: str) -> bool:
        return False

    def family(self, name: str) -> Any:
        return None


def _activation_prime(name: str) -> Callable[[np.ndarray], np.ndarray]:
    if name == "sigmoid":
        return lambda z: (lambda s: s * (1.0 - s))(1.0 / (1.0 + np.exp(-z)))
    if name == "tanh":
        return lambda z: 1.0 - np.tanh(z) ** 2
    if name == "relu":
        return lambda z: (np.asarray(z) > 0) + 0.0
    if name == "identity":
        return lambda z: np.ones_like(np.asarray(z, dtype=float))
    raise Unsupported(f"f' of a {name} layer")


class Family:
    def __init__(self, member: Callable[[tuple[int, ...]], Any]) -> None:
        self.member = member


class NetworkEnv(Env):
    """A network at one point: parameters, input and target drawn by the caller; values
    from the reference's forward pass, loss gradients from its backward pass."""

    backend = Backend(mp=False)

    def __init__(self, spec: dict, params: Params, x: np.ndarray, y: np.ndarray,
                 symbols: dict[str, float], kt: int | None) -> None:
        super().__init__()
        self.spec, self.params, self.x, self.y, self.symbols, self.kt = spec, params, x, y, symbols, kt
        self.layout = spec["layout"]
        self.mlp = MLP(tuple(spec["widths"]), tuple(spec["activations"]), spec["ref_loss"],
                       spec["reduction"])
        self._values: dict | None = None
        self._grads = None

    def copy(self) -> "NetworkEnv":
        other = NetworkEnv.__new__(NetworkEnv)
        other.__dict__.update(self.__dict__)
        other._values, other._grads = None, None
        return other

    # ---- values -------------------------------------------------------------------
    def _source_W(self, k: int) -> np.ndarray:
        W = self.params.W[k]
        return W if self.spec["orientation"] == "out_in" else W.T

    def node_value(self, node: tuple) -> Any:
        if node in self.overrides:
            return self.overrides[node]
        if node[0] == "W":
            return self._source_W(node[1])
        if node[0] == "b":
            return self.params.b[node[1]][:, None]
        if node[0] == "y":
            return self.y
        if node[0] == "sym":
            return self.symbols[node[1]]
        return self.forward()[node]

    def forward(self) -> dict:
        if self._values is None:
            depth, spec = len(self.spec["widths"]) - 1, self.spec
            values: dict = {("a", 0): self.overrides.get(("a", 0), self.x)}
            for k in range(1, depth + 1):
                W = self.node_value(("W", k))
                W = W if spec["orientation"] == "out_in" else W.T
                z = W @ values[("a", k - 1)] + self.node_value(("b", k))
                values[("z", k)] = self.overrides.get(("z", k), z)
                act = ACTIVATIONS[spec["activations"][k - 1]].forward
                values[("a", k)] = self.overrides.get(("a", k), act(np.asarray(values[("z", k)])))
            out = values[("a", depth)]
            with np.errstate(all="ignore"):
                J = self.mlp._loss_at_output(out, self.node_value(("y",)))
            values["J"] = J * spec["loss_factor"]
            self._values = values
        return self._values

    def grads(self):
        if self.overrides:
            raise Unsupported("a loss derivative under a substitution")
        if self._grads is None:
            with np.errstate(all="ignore"):
                self._grads = self.mlp.backward(self.params, self.x, self.y)
        return self._grads

    # ---- names --------------------------------------------------------------------
    def _internal(self, l: int, lo: int) -> int:
        k = l - self.spec["shift"]
        if not lo <= k <= len(self.spec["widths"]) - 1:
            raise IllFormed(f"layer {l} is not in the network")
        return k

    def node_target(self, node: ast.AST, interp: Any = None) -> tuple | None:
        depth = len(self.spec["widths"]) - 1
        if isinstance(node, ast.Name):
            named = {"x": ("a", 0), "yhat": ("a", depth), "y": ("y",)}
            if node.id in self.symbols:
                return ("sym", node.id)
            return named.get(node.id)
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and node.value.id in ("W", "b", "B", "z", "a", "x")
                and not isinstance(node.slice, ast.Tuple)):
            return self._node(node.value.id, interp.integer(node.slice))
        return None

    def _node(self, fam: str, l: int) -> tuple:
        if fam in ("W", "b", "B"):
            return ("W" if fam == "W" else "b", self._layer(l, 1))
        if fam == "x":
            if self.spec["shift"]:
                raise Unsupported("x[l] in the ufldl numbering")
            return ("a", self._internal(l - 1, 0))
        return (fam, self._internal(l, 1 if fam == "z" else 0))

    def _layer(self, l: int, lo: int) -> int:
        if not lo <= l <= len(self.spec["widths"]) - 1:
            raise IllFormed(f"layer {l} is not in the network")
        return l

    def knows(self, name: str) -> bool:
        return name in self.symbols

    def family(self, name: str) -> Family | None:
        if name not in FAMILIES:
            return None
        if name == "n":
            return Family(lambda idx: self._width(idx))

        def member(idx: tuple[int, ...]) -> Any:
            if len(idx) != 1:
                raise IllFormed(f"{name}[...] takes one layer number")
            if name == "delta":
                k = self._internal(idx[0], 1)
                return unit(self.grads().delta[k]) * self.spec["loss_factor"] * \
                    self.spec.get("delta_factor", 1.0)
            return unit(self.node_value(self._node(name, idx[0])))
        return Family(member)

    def _width(self, idx: tuple[int, ...]) -> int:
        return self.spec["widths"][self._internal(idx[0], 0)]

    def name(self, name: str) -> Any:
        depth = len(self.spec["widths"]) - 1
        if name == self.spec["loss_symbol"]:
            return self.forward()["J"]
        if name == self.spec["depth_symbol"]:
            return depth + self.spec["shift"]
        if name == "kt":
            if self.kt is None:
                raise Unsupported("kt without a one-hot target")
            return self.kt
        target = self.node_target(ast.Name(name))
        if target is None:
            raise IllFormed(f"no name {name} in this setting")
        return unit(self.node_value(target))

    def function(self, name: str) -> Callable | None:
        act = self.spec["activations"][0]
        if name in ("f", "g"):
            return lambda args: unit(ACTIVATIONS[act].forward(np.asarray(args[0], dtype=float)))
        if name in ("fprime", "gprime", "df"):
            return lambda args: unit(_activation_prime(act)(np.asarray(args[0], dtype=float)))
        return None

    def loss_gradient(self, interp: Any, f_node: ast.AST, x_node: ast.AST) -> Any:
        if not (isinstance(f_node, ast.Name) and f_node.id == self.spec["loss_symbol"]) \
                or self.overrides:
            return None
        node, idx = self.target(interp, x_node)
        g = self.grads()
        grad = {"W": lambda k: g.dW[k] if self.spec["orientation"] == "out_in" else g.dW[k].T,
                "b": lambda k: g.db[k][:, None], "z": lambda k: g.delta[k],
                "a": lambda k: g.da[k]}.get(node[0])
        if grad is None:
            return None
        value = grad(node[1]) * self.spec["loss_factor"]
        return unit(value if idx is None else value[idx])


def smooth_function(name: str, arity: int) -> Callable[..., Any]:
    """A fixed random smooth function of `arity` arguments (seeded by the name's CRC, so
    different names get different functions), coupling the arguments."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    c = [mpmath.mpf(float(v)) for v in rng.uniform(0.5, 1.5, 4 * arity + 1)]

    def fn(*u: Any) -> Any:
        lin = sum(c[4 * k] * u[k] for k in range(arity))
        waves = sum(c[4 * k + 1] * mpmath.sin(c[4 * k + 2] * u[k] + c[4 * k + 3]) for k in range(arity))
        return waves + lin * lin / 2 + mpmath.exp(c[-1] * lin / 4)
    return fn
