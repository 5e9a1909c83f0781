"""The oracle's environment for scalar settings: declared symbols, vectors and matrices at
sampled values, definitions evaluated by the oracle's interpreter, undefined functions
replaced by fixed random smooth functions; everything in mpmath at 60 digits."""
from __future__ import annotations

import ast
from typing import Any, Callable

import mpmath
import numpy as np

from ..catalog.formula import normalise, parse
from .values import Backend, IllFormed, Unsupported, is_arr, unit
from .networks import Env, smooth_function


def tree_of(text: str) -> tuple[ast.Expression, str]:
    """The checked syntax tree of a formula (the catalog's safe parser) and its source."""
    source = normalise(text).strip()
    names = {n.id for n in ast.walk(ast.parse(source, mode="eval")) if isinstance(n, ast.Name)}
    return parse(text, names).tree, source


class ScalarEnv(Env):
    backend = Backend(mp=True)

    def __init__(self, setting: Any, values: dict[str, Any]) -> None:
        super().__init__()
        if setting.get("integers") or setting.get("indexed"):
            raise Unsupported("symbolic sizes (integers, indexed)")
        self.setting = setting
        self.leaves = values
        self.defines = {name: tree_of(text) for name, text in setting.get("define", ()) or ()}
        self.memo: dict[str, Any] = {}
        self.functions: dict[str, Callable] = {}
        for name in setting.get("functions", ()) or ():
            self.functions[name] = self._undefined(name, entrywise=False)
        for name in setting.get("elementwise", ()) or ():
            self.functions[name] = self._undefined(name, entrywise=True)

    def copy(self) -> "ScalarEnv":
        other = ScalarEnv.__new__(ScalarEnv)
        other.__dict__.update(self.__dict__)
        other.memo = {}
        return other

    def _undefined(self, name: str, entrywise: bool) -> Callable:
        def flat(args: list[Any]) -> list[Any]:
            return [x for a in args for x in (list(unit(a).flat) if is_arr(unit(a)) else [a])]
        if entrywise:
            one = smooth_function(name, 1)
            return lambda args: self._entrywise(one, args)
        return lambda args: smooth_function(name, len(flat(args)))(*flat(args))

    def _entrywise(self, fn: Callable, args: list[Any]) -> Any:
        if len(args) != 1:
            raise Unsupported("an elementwise function of several arguments")
        v = unit(args[0])
        return np.vectorize(fn, otypes=[object])(v) if is_arr(v) else fn(v)

    def function(self, name: str) -> Callable | None:
        if name in self.functions:
            return self.functions[name]
        base = name[:-len("prime")] if name.endswith("prime") else None
        if base in self.functions:
            elementwise = base in (self.setting.get("elementwise", ()) or ())
            fn = smooth_function(base, 1)
            slope = lambda t: self.slope(fn, t)  # noqa: E731
            if elementwise:
                return lambda args: self._entrywise(slope, args)
            return lambda args: slope(unit(args[0]))
        return None

    def knows(self, name: str) -> bool:
        return name in self.leaves or name in self.defines

    def name(self, name: str) -> Any:
        return unit(self.node_value(name))

    def node_value(self, node: str) -> Any:
        if node in self.overrides:
            return self.overrides[node]
        if node in self.leaves:
            return self.leaves[node]
        if node in self.defines:
            if node not in self.memo:
                from .interpreter import Interpreter
                tree, source = self.defines[node]
                self.memo[node] = Interpreter(self, source).eval(tree)
            return self.memo[node]
        raise IllFormed(f"no name {node} in this setting")

    def node_target(self, node: ast.AST, interp: Any = None) -> Any:
        if isinstance(node, ast.Name) and self.knows(node.id):
            return node.id
        return None


def scalar_values(setting: Any, rng: np.random.Generator, scale: float) -> dict[str, Any]:
    """Random values for every declared symbol at one magnitude scale, both signs
    (positive symbols positive); `sample` ranges are kept as declared."""
    sample = dict(setting.get("sample", ()) or ())

    def draw(name: str, shape: tuple[int, ...], positive: bool = False) -> np.ndarray:
        if name in sample:
            lo, hi = sample[name]
            raw = rng.uniform(float(lo), float(hi), shape)
        else:
            raw = scale * 10 ** rng.uniform(-0.5, 0.5, shape)
            if not positive:
                raw = raw * rng.choice([-1.0, 1.0], shape)
        return raw
    values: dict[str, Any] = {}
    for name in setting.get("symbols", ()) or ():
        values[name] = mpmath.mpf(float(draw(name, ())))
    for name in setting.get("positive", ()) or ():
        values[name] = mpmath.mpf(float(draw(name, (), True)))
    shaped = [(n, (int(k), 1)) for n, k in setting.get("vectors", ()) or ()]
    shaped += [(n, (int(s[0]), int(s[1]))) for n, s in setting.get("matrices", ()) or ()]
    for name, shape in shaped:
        values[name] = np.vectorize(lambda v: mpmath.mpf(float(v)), otypes=[object])(draw(name, shape))
    return values
