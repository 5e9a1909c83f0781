"""Traversals of SymPy expressions as DAGs: each shared sub-expression visited once.

A network's expressions share sub-terms heavily (every σ(z_k) appears in every
later layer), and SymPy's own `free_symbols`, `xreplace`, `replace` and `has`
walk each occurrence again, which made them a large part of a claim's time.
These versions keep a memo per call, so a walk costs the number of distinct
nodes.  The results equal SymPy's (the rebuilt nodes go through `func(*args)`).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

import sympy as sp

try:  # SymPy's own representation of a symbolic matrix (what its constructor builds)
    from sympy.polys.domains import EXRAW
    from sympy.polys.matrices import DomainMatrix
    from sympy.polys.matrices.sdm import SDM
    _FROM_REP = sp.ImmutableDenseMatrix._fromrep
except (ImportError, AttributeError):  # pragma: no cover - another SymPy: the public way
    _FROM_REP = None


def matrix(rows: int, cols: int, items: list[Any]) -> sp.ImmutableMatrix:
    """`sp.ImmutableMatrix(rows, cols, items)`: equal to it, hash and all.  When the
    items are SymPy expressions, not all numbers, the constructor would put them in
    its EXRAW representation after inspecting each one; that is built directly here,
    several times faster (matrices are made throughout a network's evaluation)."""
    if _FROM_REP is not None and all(isinstance(x, sp.Basic) for x in items) \
            and not all(x.is_Number for x in items):
        return _FROM_REP(DomainMatrix.from_rep(SDM.from_list_flat(items, (rows, cols), EXRAW)))
    return sp.ImmutableMatrix(rows, cols, items)


def flat(m: sp.MatrixBase) -> list[Any]:
    """`m.flat()` (entries in row-major order) without converting an EXRAW matrix's
    representation first."""
    rep = getattr(m, "_rep", None)
    if _FROM_REP is not None and rep is not None and rep.domain is EXRAW:
        return rep.rep.to_list_flat()
    return m.flat()


def free_symbols(exprs: Iterable[sp.Basic]) -> set[sp.Symbol]:
    """The Symbols in `exprs` (bound variables of Subs/Derivative/Sum/Lambda left to SymPy)."""
    seen: set[int] = set()
    found: set[sp.Symbol] = set()
    stack = list(exprs)
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, sp.Symbol):
            found.add(e)
        elif e.is_Atom or _binds(e):  # Indexed and Idx are atoms holding symbols
            found |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
        else:
            stack.extend(e.args)
    return found


def _binds(e: sp.Basic) -> bool:
    return isinstance(e, (sp.Subs, sp.Derivative, sp.Lambda)) or hasattr(e, "limits")


def nodes(e: sp.Basic) -> Iterator[sp.Basic]:
    """Each distinct node of `e` once (depth first)."""
    seen: set[int] = set()
    stack = [e]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if node.args:  # (not is_Atom: Indexed counts as an atom but has arguments)
            stack.extend(node.args)


def has_type(e: sp.Basic, types: tuple[type, ...]) -> bool:
    """Does `e` contain a node of one of `types`?"""
    return any(isinstance(node, types) for node in nodes(e))


def contains(e: sp.Basic, types: tuple[type, ...], memo: dict[sp.Basic, bool]) -> bool:
    """`has_type` with the answer for every node kept in `memo` (one memo per
    `types`), so that asking again about expressions sharing sub-terms walks only
    the nodes not seen before."""
    hit = memo.get(e)
    if hit is not None:
        return hit
    stack: list[tuple[sp.Basic, bool]] = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if ready:
            memo[node] = isinstance(node, types) or any(memo[a] for a in node.args)
        else:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
    return memo[e]


def atoms_of(e: sp.Basic, types: tuple[type, ...]) -> set[sp.Basic]:
    """The distinct nodes of `e` of one of `types` (as `e.atoms(*types)`)."""
    return {node for node in nodes(e) if isinstance(node, types)}


def xreplace(e: Any, mapping: dict, memo: dict | None = None) -> Any:
    """`e.xreplace(mapping)`, each distinct node rebuilt once (`memo` may be shared
    between the entries of a matrix).  Matrices are mapped entry by entry."""
    if not mapping:
        return e
    memo = {} if memo is None else memo
    if isinstance(e, sp.MatrixBase):
        return matrix(e.rows, e.cols, [_xr(v, mapping, memo) for v in flat(e)])
    return _xr(e, mapping, memo)


def _xr(e: sp.Basic, mapping: dict, memo: dict) -> sp.Basic:
    hit = memo.get(e)
    if hit is not None:
        return hit
    if e in mapping:
        out = mapping[e]
    elif not e.args:  # (Indexed counts as an atom but has arguments)
        out = e
    else:
        args = tuple(_xr(a, mapping, memo) for a in e.args)
        if not any(a is not b for a, b in zip(args, e.args)):
            out = e
        elif e.is_Mul and _ZERO in args and not any(a in NOT_FINITE for a in args):
            out = _ZERO  # what Mul gives, without asking every other factor is_finite
        else:
            out = e.func(*args)
    memo[e] = out
    return out


_ZERO = sp.S.Zero
NOT_FINITE = frozenset((sp.S.Infinity, sp.S.NegativeInfinity, sp.S.ComplexInfinity, sp.S.NaN))


def replace_type(e: sp.Basic, types: tuple[type, ...], fn: Callable[[sp.Basic], sp.Basic],
                 memo: dict | None = None) -> sp.Basic:
    """Bottom-up: every node of one of `types` (its arguments already rewritten) is
    replaced by fn(node); fn's results are not rewritten again (as SymPy's `replace`)."""
    memo = {} if memo is None else memo
    hit = memo.get(e)
    if hit is not None:
        return hit
    if not e.args:
        out = e
    else:
        args = tuple(replace_type(a, types, fn, memo) for a in e.args)
        out = e.func(*args) if any(a is not b for a, b in zip(args, e.args)) else e
    if isinstance(out, types):
        out = fn(out)
    memo[e] = out
    return out


__all__ = ["atoms_of", "contains", "free_symbols", "has_type", "nodes", "xreplace", "replace_type"]
