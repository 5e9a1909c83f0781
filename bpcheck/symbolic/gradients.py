"""∂F/∂X of a scalar quantity F by every node X of a setting at once.

One reverse pass over the definitions: the chain rule, applied the way
backpropagation applies it.  Each definition is differentiated by its parents'
symbols (small expressions, since every parent is held as its own symbols), the
contributions are summed from F down, all in symengine (SymPy when symengine cannot
hold a definition), and every intermediate is then written in free symbols.  This is the value `Evaluator._diff` gets by
expanding F with X held, differentiating, and putting X's definition back, but it is
computed once for F instead of once for each X.  The three-way check still compares
every derivative with finite differences and the NumPy reference.
"""
from __future__ import annotations

from typing import Any, Callable

import sympy as sp

from . import dag
from . import engine
from . import linalg as la
from .world import World

_ZERO = sp.S.Zero


def gradient(world: World, f_name: str, x_name: str) -> list[sp.Expr] | None:
    """∂F/∂X for every entry of X (row-major), in free symbols; None when the setting's
    definitions do not allow the reverse pass (a definition uses a node it does not list)."""
    key = ("gradient", f_name, x_name)
    if key not in world.diff_memo:  # asked again for each index case of each claim
        world.diff_memo[key] = _gradient(world, f_name, x_name)
    return world.diff_memo[key]


def held_gradient(world: World, f_name: str, x_name: str) -> list[sp.Expr] | None:
    """∂F/∂X before the intermediates are written out: in the symbols of the nodes
    (for reading numbers from node values); None as for `gradient`."""
    grads = _gradients(world, f_name)
    if grads is None:
        return None
    held = grads.get(x_name)
    if held is None:  # F does not depend on X
        return [_ZERO] * len(la.entries(world.nodes[x_name].sym))
    return held


def _gradient(world: World, f_name: str, x_name: str) -> list[sp.Expr] | None:
    grads = _gradients(world, f_name)
    if grads is not None and grads.convert is not None:
        raw = grads.grads.get(x_name)
        if raw is not None:
            try:  # written out in symengine, read back once
                mapping = _engine_expansions(world, raw)
                return [engine.from_engine(g.xreplace(mapping)) for g in raw]
            except engine.Unsupported:
                pass
    held = held_gradient(world, f_name, x_name)
    if held is None:
        return None
    mapping, memo = _expansions(world, held)
    return [dag.xreplace(g, mapping, memo) for g in held]


def _gradients(world: World, f_name: str) -> _Held | None:
    key = ("gradients", f_name)
    if key not in world.diff_memo:
        order = world.upstream(f_name)
        if order is None:
            world.diff_memo[key] = None
        else:
            try:  # the arithmetic in symengine (read back as needed); SymPy for the rest
                world.diff_memo[key] = _Held(_backward(world, f_name, order,
                                                       engine.engine_partials, _engine_zero()),
                                             engine.from_engine)
            except engine.Unsupported:
                world.diff_memo[key] = _Held(_backward(world, f_name, order, la.partials,
                                                       _ZERO), None)
    return world.diff_memo[key]


class _Held:
    """The adjoints of one F, each node's converted to SymPy when first asked for."""

    def __init__(self, grads: dict[str, list[Any]], convert: Callable | None) -> None:
        self.grads, self.convert, self.done = grads, convert, {}

    def get(self, name: str) -> list[sp.Expr] | None:
        if name not in self.done:
            raw = self.grads.get(name)
            self.done[name] = (raw if raw is None or self.convert is None
                               else [self.convert(g) for g in raw])
        return self.done[name]


def _engine_zero() -> Any:
    if not engine.available():
        raise engine.Unsupported("symengine is not installed")
    return engine.se.Integer(0)


def _backward(world: World, f_name: str, order: list[str], partials: Callable,
              zero: Any) -> dict[str, list[Any]]:
    """Adjoints in held form: grads[N][k] = ∂F/∂(entry k of N), children before parents."""
    grads: dict[str, list[Any]] = {f_name: [zero + 1]}
    for name in reversed(order):
        node, g = world.nodes[name], grads.get(name)
        if node.defn is None or g is None:
            continue
        outs = la.entries(node.defn)
        for parent in node.parents:
            syms = la.entries(world.nodes[parent].sym)
            # an entry that is not a free symbol (a probability target's last entry, 1 - the
            # others) is no variable of its own: its dependence sits in the other entries
            free = [k for k, s in enumerate(syms) if getattr(s, "is_Symbol", True)]
            jac = partials(outs, [syms[k] for k in free])
            acc = grads.setdefault(parent, [zero] * len(syms))
            for col, k in enumerate(free):
                for i in range(len(outs)):
                    if jac[i][col] != 0 and g[i] != 0:
                        acc[k] = acc[k] + jac[i][col] * g[i]
    return grads


def _expansions(world: World, held: list[sp.Expr]) -> tuple[dict[Any, Any], dict]:
    """The intermediates' symbols in `held` mapped to their values in free symbols
    (added as gradients need them), with one substitution memo for the setting: the
    gradients share their sub-terms."""
    key = ("gradients", "expansions")
    if key not in world.diff_memo:
        world.diff_memo[key] = ({}, {}, set())
    mapping, memo, done = world.diff_memo[key]
    owner = world.owners()
    # the memo stays right as the mapping grows: every symbol of a node it keeps was
    # mapped before that node was first met (they are among `held`'s symbols)
    used = {owner[s] for s in dag.free_symbols(held) if s in owner}
    for name in {n for n in used if world.nodes[n].defn is not None} - done:
        done.add(name)
        mapping.update(zip(la.entries(world.nodes[name].sym), la.entries(world.expand(name))))
    return mapping, memo


def _engine_expansions(world: World, raw: list[Any]) -> dict[Any, Any]:
    """`_expansions` for symengine adjoints: each intermediate's symbols mapped to
    its value in free symbols, both in symengine (one mapping per setting, grown as
    adjoints need it: a substitution there is C++, and the values read back to the
    SymPy objects they came from)."""
    key = ("gradients", "engine expansions")
    if key not in world.diff_memo:  # intermediates by their symbols' names
        owner = {s.name: n for s, n in world.owners().items()
                 if world.nodes[n].defn is not None}
        world.diff_memo[key] = ({}, set(), owner)
    mapping, done, owner = world.diff_memo[key]
    free = set().union(*[g.free_symbols for g in raw])
    for name in {owner[s.name] for s in free if s.name in owner} - done:
        mapping.update(engine_expansion(world, name))
        done.add(name)
    return mapping


def engine_expansion(world: World, name: str, stop: str | None = None) -> dict[Any, Any]:
    """A node's symbols mapped to its value (expanded up to `stop`), both in symengine,
    kept per world; raises engine.Unsupported for what symengine cannot hold."""
    key = ("engine expansion", name, stop)
    if key not in world.diff_memo:
        world.diff_memo[key] = {
            engine.to_engine(s): engine.to_engine(v) for s, v in
            zip(la.entries(world.nodes[name].sym), la.entries(world.expand(name, stop)))}
    return world.diff_memo[key]


__all__ = ["gradient", "held_gradient"]
