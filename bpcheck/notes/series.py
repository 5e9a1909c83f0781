"""Sums written out with dots: `w_{j1} x_1 + \\dots + w_{jn} x_n` is Σ_{k=1}^{n} w_{jk} x_k.

The terms around the dots must differ only where the first has 1 (or 0) and the last has the
bound; the bound `n` or `m` the note leaves to its sizes is the size of what the new index runs
over.  Anything else is reported, never guessed.
"""
from __future__ import annotations

import ast
import copy
from typing import Any

from . import classes
from .context import size_of
from .lexer import LatexError, Tok
from .tree import call

Parser = Any  # notes.parser.Parser (not imported: the parser imports this module)


_DOTS = (r"\dots", r"\cdots", r"\ldots")


def elision(p: Parser) -> Tok | None:
    """`+ \\dots +` inside a sum: the dots, consumed (the caller records the gap)."""
    if p.at(*_DOTS) and p.i + 1 < len(p.t) and p.t[p.i + 1].text == "+":
        p.i += 1
        return p.t[p.i - 1]
    return None


def elided_sums(p: Parser, terms: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """`w_1 x_1 + \\dots + w_n x_n`: the terms around the dots differ only where the first has 1
    and the last has its bound: the sum over a new index (Σ_{k=1}^{n} w_k x_k)."""
    out: list[tuple[Any, Any]] = []
    k = 0
    while k < len(terms):
        op, term = terms[k]
        if isinstance(term, Tok):  # the dots
            if not out or k + 1 >= len(terms) or isinstance(terms[k + 1][1], Tok):
                raise p.fail("\\dots between the terms of a sum: write it with \\sum", term)
            first_op, first = out.pop()
            out.append((first_op, _series(p, first, terms[k + 1][1], term)))
            k += 2
            continue
        out.append((op, term))
        k += 1
    return out


def _series(p: Parser, first: ast.expr, last: ast.expr, dots: Tok) -> ast.expr:
    pairs: list[tuple[ast.AST, ast.AST]] = []
    if not _diff(first, last, pairs) or not pairs:
        raise p.fail("an elided sum whose first and last terms differ in more than their "
                     "index: write it with \\sum", dots)
    lows = {ast.dump(a) for a, _ in pairs}
    highs = {ast.dump(b) for _, b in pairs}
    low = pairs[0][0]
    if len(lows) != 1 or len(highs) != 1 or not (isinstance(low, ast.Constant)
                                                and low.value in (0, 1)):
        raise p.fail("an elided sum must run from 1 (or 0) in each term: write it with \\sum",
                     dots)
    used = {n.id for t in (first, last) for n in ast.walk(t) if isinstance(n, ast.Name)}
    var = next(c for c in "kpqrstuv" if c not in used)
    body = _with_index(first, {id(a) for a, _ in pairs}, var)
    high = pairs[0][1]
    if isinstance(high, ast.Name) and high.id in (_BOUND, "n", "m", "N", "M") and p.ctx.network:
        high = size_of(body, var, p.ctx) or high  # the bound the note leaves to its sizes
    return call("sum", body, ast.Tuple([ast.Name(var, ast.Load()), low, high], ast.Load()))


_BOUND = "__bound__"  # a bare n or m as an index: only the last term of an elided sum has one


def bound_index(p: Parser, toks: list[Tok], at: Tok) -> ast.expr:
    """An index; a bare `n` or `m` (`W_{jn}` in `w_{j1} x_1 + ... + w_{jn} x_n`) is kept as
    the bound an elided sum runs to, and refused anywhere else (`no_loose_bound`)."""
    if (true_class := classes.class_index(p, toks)) is not None:
        return true_class  # true_class=k: the setting's class index kt
    if p.ctx.network and len(toks) == 1 and toks[0].text in ("n", "m") \
            and toks[0].text not in p.ctx.batch_symbols | p.ctx.samples:
        return ast.Name(_BOUND, ast.Load())
    return p.sub(toks, at)


def no_loose_bound(text: str, toks: list[Tok]) -> str:
    """The formula text, refused when a bare bound is left outside an elided sum."""
    if _BOUND in text:  # (the marker is no name a note can write)
        raise LatexError("write a layer's width as n_l or n^{(l)}", toks[0].pos if toks else 0)
    return text


def _diff(a: ast.AST, b: ast.AST, pairs: list[tuple[ast.AST, ast.AST]]) -> bool:
    """Walk two trees side by side; record the sub-trees where they differ (a leaf of `a`)."""
    if type(a) is not type(b):
        pairs.append((a, b))
        return isinstance(a, ast.Constant)
    if isinstance(a, ast.Constant) or isinstance(a, ast.Name):
        if ast.dump(a) != ast.dump(b):
            pairs.append((a, b))
        return True
    for field in a._fields:
        x, y = getattr(a, field, None), getattr(b, field, None)
        if isinstance(x, ast.AST):
            if not _diff(x, y, pairs):
                return False
        elif isinstance(x, list):
            if len(x) != len(y) or not all(_diff(u, v, pairs) for u, v in zip(x, y)):
                return False
        elif x != y:
            return False
    return True


def _with_index(tree: ast.expr, at: set[int], var: str) -> ast.expr:
    """A copy of `tree` with the constants at `at` (ids in `tree`) replaced by `var`."""
    twin = copy.deepcopy(tree)
    spots = {id(c) for o, c in zip(ast.walk(tree), ast.walk(twin)) if id(o) in at}
    return _PutAt(spots, var).visit(twin)


class _PutAt(ast.NodeTransformer):
    def __init__(self, spots: set[int], var: str) -> None:
        self.spots, self.var = spots, var

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        return ast.Name(self.var, ast.Load()) if id(node) in self.spots else node
