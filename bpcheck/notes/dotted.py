"""Matrices and vectors drawn entry by entry with dots, read as the matrix of their general entry.

`[∂y_1/∂x_1 … ∂y_1/∂x_n ; ⋮ ⋱ ⋮ ; ∂y_m/∂x_1 … ∂y_m/∂x_n]` is the matrix whose (i, j) entry is
∂y_i/∂x_j: the drawn corners differ only where the first row (column) has 1 (or 0) and the last
has the bound, consistently along rows and columns, and every other drawn entry fits.  A square
matrix whose diagonal and off-diagonal entries follow two patterns (the softmax Jacobian,
`s_1 - s_1^2` on the diagonal, `-s_1 s_2` off it) is read as δ_ij D(i) + (1 - δ_ij) O(i, j).
The result is written with what the formula language has: Σ_i Σ_j f(i, j) e_i e_jᵀ, with
`onehot(size, position, value)` for e_i; any other drawing is reported, never guessed.
"""
from __future__ import annotations

import ast
import copy
from typing import Any

from . import series
from .context import size_of
from .lexer import LatexError, Tok
from .tree import binop, call, ident

Parser = Any  # notes.parser.Parser (not imported: the parser imports this module)
Grid = list[list[list[Tok]]]
Cells = dict[tuple[int, int], ast.expr]

_DOTS = {r"\dots", r"\cdots", r"\ldots", r"\vdots", r"\ddots", "…"}
_UNCLEAR = "a matrix drawn with dots whose general entry is not clear from its corners"


def is_gap(cell: list[Tok]) -> bool:
    """A cell with nothing but dots (or nothing: the empty cells beside a row of dots)."""
    return all(t.text in _DOTS for t in cell)


def has_dots(grid: Grid) -> bool:
    return any(cell and is_gap(cell) for row in grid for cell in row)


class _Axis:
    """The drawn lines (rows or columns) of one axis: `before` the gap, the gap, `after` it.
    Position k of the drawn lines is index lo + k before the gap, hi - (m - 1 - k) after it."""

    def __init__(self, drawn: list[int], gap: int | None) -> None:
        self.drawn, self.gap = drawn, gap
        self.before = [d for d in drawn if gap is None or d < gap]
        self.after = [d for d in drawn if gap is not None and d > gap]

    def offset(self, line: int) -> tuple[str, int]:
        """("lo", k) for the k-th line after the first, ("hi", k) for k lines before the last."""
        if line in self.before:
            return "lo", self.before.index(line)
        return "hi", len(self.after) - 1 - self.after.index(line)


def read(p: Parser, tok: Tok, grid: Grid) -> ast.expr:
    """The matrix (or vector) a grid of cells with dots draws, as a formula tree."""
    if len({len(r) for r in grid}) != 1:
        raise p.fail(f"{_UNCLEAR}: its rows have different lengths", tok)
    gap_rows = [r for r, row in enumerate(grid) if all(is_gap(c) for c in row)]
    kept_rows = [r for r in range(len(grid)) if r not in gap_rows]
    gap_cols = [c for c in range(len(grid[0])) if all(is_gap(grid[r][c]) for r in kept_rows)]
    kept_cols = [c for c in range(len(grid[0])) if c not in gap_cols]
    if len(gap_rows) > 1 or len(gap_cols) > 1 or not kept_rows or not kept_cols:
        raise p.fail(f"{_UNCLEAR}: dots in more than one place on an axis", tok)
    if any(is_gap(grid[r][c]) for r in kept_rows for c in kept_cols):
        raise p.fail(f"{_UNCLEAR}: dots among the drawn entries", tok)
    rows, cols = _Axis(kept_rows, _one(gap_rows)), _Axis(kept_cols, _one(gap_cols))
    for axis in (rows, cols):
        if axis.gap is None and len(axis.drawn) != 1:
            raise p.fail(f"{_UNCLEAR}: dots along one axis of a matrix only", tok)
    cells = {(r, c): p.sub(grid[r][c], tok) for r in kept_rows for c in kept_cols}
    names = _free_names(cells)
    i, j = [n for n in "ijkpqrstuv" if n not in names][:2]
    entry = _uniform(cells, rows, cols, i, j) or _diagonal(cells, rows, cols, i, j)
    if entry is None:
        raise p.fail(f"{_UNCLEAR}: its drawn entries differ in more than their indices", tok)
    body, row_range, col_range = entry
    return _build(p, tok, body, (i, row_range) if rows.gap is not None else None,
                  (j, col_range) if cols.gap is not None else None)


def _one(gaps: list[int]) -> int | None:
    return gaps[0] if gaps else None


def _free_names(cells: Cells) -> set[str]:
    return {n.id for t in cells.values() for n in ast.walk(t) if isinstance(n, ast.Name)}


Range = tuple[ast.expr, ast.expr]


def _spots(first: ast.expr, other: ast.expr) -> list[tuple[ast.AST, ast.AST]] | None:
    """Where two drawn entries differ (pairs of sub-trees), or None when their shapes do."""
    pairs: list[tuple[ast.AST, ast.AST]] = []
    return pairs if _diff(first, other, pairs) else None


def _diff(a: ast.AST, b: ast.AST, pairs: list[tuple[ast.AST, ast.AST]]) -> bool:
    if type(a) is not type(b) or isinstance(a, (ast.Constant, ast.Name)):
        if ast.dump(a) != ast.dump(b):
            pairs.append((a, b))
        return True
    for field in a._fields:
        x, y = getattr(a, field, None), getattr(b, field, None)
        if isinstance(x, list):
            if not isinstance(y, list) or len(x) != len(y) \
                    or not all(_diff(u, v, pairs) for u, v in zip(x, y)):
                return False
        elif isinstance(x, ast.AST):
            if not _diff(x, y, pairs):
                return False
        elif x != y:
            return False
    return True


def _range(pairs: list[tuple[ast.AST, ast.AST]]) -> Range | None:
    """(lo, hi) when every spot runs from the same 0 or 1 to the same bound."""
    lows = {ast.dump(a) for a, _ in pairs}
    highs = {ast.dump(b) for _, b in pairs}
    lo = pairs[0][0] if pairs else None
    if len(lows) != 1 or len(highs) != 1 or not isinstance(lo, ast.Constant) \
            or lo.value not in (0, 1) or isinstance(lo.value, bool):
        return None
    return lo, pairs[0][1]


def _uniform(cells: Cells, rows: _Axis, cols: _Axis, i: str, j: str
             ) -> tuple[ast.expr, Range | None, Range | None] | None:
    """One pattern for every entry: the corners differ only by their row and column indices."""
    r0, c0 = rows.drawn[0], cols.drawn[0]
    first = cells[(r0, c0)]
    spots: dict[int, str] = {}
    ranges: dict[str, Range | None] = {i: None, j: None}
    for var, axis, other in ((i, rows, (rows.drawn[-1], c0)), (j, cols, (r0, cols.drawn[-1]))):
        if axis.gap is None:
            continue
        pairs = _spots(first, cells[other])
        ranges[var] = _range(pairs) if pairs else None
        if ranges[var] is None:
            return None
        for a, _ in pairs:
            if id(a) in spots:
                return None
            spots[id(a)] = var
    body = _with_names(first, spots)
    for (r, c), tree in cells.items():
        values = {i: _value(rows, r, ranges[i]), j: _value(cols, c, ranges[j])}
        if ast.dump(_substitute(body, values)) != ast.dump(tree):
            return None
    return body, ranges[i], ranges[j]


def _diagonal(cells: Cells, rows: _Axis, cols: _Axis, i: str, j: str
              ) -> tuple[ast.expr, Range, Range] | None:
    """A square matrix with one pattern on its diagonal and another off it."""
    if rows.gap is None or cols.gap is None or len(rows.before) != len(cols.before) \
            or len(rows.after) != len(cols.after):
        return None
    r0, c0, r1, c1 = rows.drawn[0], cols.drawn[0], rows.drawn[-1], cols.drawn[-1]
    diag_pairs = _spots(cells[(r0, c0)], cells[(r1, c1)])
    off_pairs = _spots(cells[(r0, c1)], cells[(r1, c0)])
    if diag_pairs is None or off_pairs is None:
        return None
    span = _range(diag_pairs or off_pairs[:1])  # a constant diagonal: the range off it
    if span is None:
        return None
    lo, hi = (ast.dump(x) for x in span)
    row_spots = {id(a): i for a, b in off_pairs if ast.dump(a) == lo and ast.dump(b) == hi}
    col_spots = {id(a): j for a, b in off_pairs if ast.dump(a) == hi and ast.dump(b) == lo}
    if len(row_spots) + len(col_spots) != len(off_pairs):
        return None
    diag = _with_names(cells[(r0, c0)], {id(a): i for a, _ in diag_pairs})
    off = _with_names(cells[(r0, c1)], {**row_spots, **col_spots})
    for (r, c), tree in cells.items():
        values = {i: _value(rows, r, span), j: _value(cols, c, span)}
        on_diagonal = rows.offset(r) == cols.offset(c)
        expected = _substitute(diag, {i: values[i]}) if on_diagonal else _substitute(off, values)
        if ast.dump(expected) != ast.dump(tree):
            return None
    delta = call("kdelta", ident(i), ident(j))
    body = binop(binop(delta, ast.Mult(), diag), ast.Add(),
                 binop(binop(ast.Constant(1), ast.Sub(), delta), ast.Mult(), off))
    return body, span, span


def _value(axis: _Axis, line: int, span: Range | None) -> ast.expr | None:
    """The index a drawn line stands for: lo + k before the gap, hi - k after it."""
    if span is None:
        return None
    end, k = axis.offset(line)
    base = span[0] if end == "lo" else span[1]
    if k == 0:
        return base
    if end == "lo":
        return ast.Constant(base.value + k)
    return binop(base, ast.Sub(), ast.Constant(k))


def _with_names(tree: ast.expr, spots: dict[int, str]) -> ast.expr:
    """A copy of `tree` with the sub-trees at `spots` (ids in `tree`) replaced by their names."""
    twin = copy.deepcopy(tree)
    at = {id(c): spots[id(o)] for o, c in zip(ast.walk(tree), ast.walk(twin)) if id(o) in spots}
    return _Put(at).visit(twin)


class _Put(ast.NodeTransformer):
    def __init__(self, at: dict[int, str]) -> None:
        self.at = at

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if id(node) in self.at:
            return ident(self.at[id(node)])
        return super().generic_visit(node)


def _substitute(tree: ast.expr, values: dict[str, ast.expr | None]) -> ast.expr:
    twin = copy.deepcopy(tree)
    return _Sub({k: v for k, v in values.items() if v is not None}).visit(twin)


class _Sub(ast.NodeTransformer):
    def __init__(self, values: dict[str, ast.expr]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return copy.deepcopy(self.values[node.id]) if node.id in self.values else node


def _build(p: Parser, tok: Tok, body: ast.expr, row: tuple[str, Range] | None,
           col: tuple[str, Range] | None) -> ast.expr:
    """Σ_i Σ_j f(i, j) e_i e_jᵀ (a column: Σ_i f(i) e_i; a row: its transpose)."""
    drawn = [a for a in (row, col) if a is not None]
    square = len(drawn) == 2 and ast.dump(drawn[0][1][1]) == ast.dump(drawn[1][1][1])
    axes = [(var, lo, _bound(p, tok, body, var, hi, [var] + [v for v, _ in drawn if v != var] if square else [var]))
            for var, (lo, hi) in drawn]
    if len(axes) == 1:
        (var, lo, hi), = axes
        value = call("sum", _unit(var, lo, hi, body), _spec(var, lo, hi))
        return value if row is not None else call("transpose", value)
    (i, ilo, ihi), (j, jlo, jhi) = axes
    term = binop(_unit(i, ilo, ihi, body), ast.Mult(), call("transpose", _unit(j, jlo, jhi)))
    return call("sum", call("sum", term, _spec(j, jlo, jhi)), _spec(i, ilo, ihi))


def _bound(p: Parser, tok: Tok, body: ast.expr, var: str, hi: ast.expr, same: list[str]
           ) -> ast.expr:
    """The last index; a bare n or m the note leaves to its sizes is the size var indexes
    (or, when both indices run to the same bound, the size the other one indexes)."""
    if isinstance(hi, ast.Name) and hi.id in (series._BOUND, "n", "m", "N", "M"):
        sizes = (size_of(body, v, p.ctx) for v in same) if p.ctx.network else iter(())
        size = next((s for s in sizes if s is not None), None)
        if size is None:
            raise p.fail(f"{_UNCLEAR}: cannot tell how far its index {var} runs", tok)
        return size
    return hi


def _unit(var: str, lo: ast.expr, hi: ast.expr, value: ast.expr | None = None) -> ast.expr:
    """e_var (with `value` at its entry) in a vector of hi - lo + 1 entries."""
    shift = 1 - lo.value
    size = binop(hi, ast.Add(), ast.Constant(shift)) if shift else hi
    at = binop(ident(var), ast.Add(), ast.Constant(shift)) if shift else ident(var)
    return call("onehot", size, at, *([value] if value is not None else []))


def _spec(var: str, lo: ast.expr, hi: ast.expr) -> ast.Tuple:
    return ast.Tuple([ident(var), lo, hi], ast.Load())


__all__ = ["has_dots", "is_gap", "read", "LatexError"]
