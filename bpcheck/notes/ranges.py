"""Index ranges of a note's claim: those its annotation states (`where="l=1..L-1"`) and
those inferred from what each free index indexes (entries, sums, layers)."""
from __future__ import annotations

import ast
import re

from ..catalog.files import setting_names
from ..catalog.formula import CONSTANTS, FUNCTIONS, FormulaError, parse
from ..model import Setting
from .latex import TexContext, infer_range
from .prose import free_names
from .scan import Annotation, Display
from .settings import Problem
from .wholefile import layer_ranges


def where_ranges(raw: str, ann: Annotation) -> tuple[tuple[str, str], ...]:
    """`l=1..L-1, j=1..n[l]` -> (("l", "1..L-1"), ("j", "1..n[l]"))."""
    found = re.findall(r"([A-Za-z]\w*)\s*=\s*([^\s,;=]+?)\s*\.\.\s*([^\s,;=]+)", raw)
    rest = re.sub(r"([A-Za-z]\w*)\s*=\s*([^\s,;=]+?)\s*\.\.\s*([^\s,;=]+)|[\s,;]", "", raw)
    if rest:
        raise Problem(f"where={raw!r}: write index ranges like where=\"l=1..L-1\"",
                       ann.line, ann.where)
    return tuple((v, f"{lo}..{hi}") for v, lo, hi in found)


def index_ranges(sides: list[str], lines: list[int], setting: Setting,
                  where: tuple[tuple[str, str], ...], ctx: TexContext,
                  d: Display, layers: bool = False) -> tuple[tuple[str, str], ...]:
    """Ranges for free entry indices (from what they index) and for summation indices;
    `layers`: layer indices too, as the layers where every quantity exists."""
    trees = []
    for side, line in zip(sides, lines):
        try:
            trees.append(ast.parse(side, mode="eval"))
        except SyntaxError as exc:
            raise Problem(f"cannot read {side!r}: {exc.msg}", line) from None
    known = setting_names(setting) | {v for v, _ in where}
    extra = list(layer_ranges(trees, known, ctx)) if layers else []
    known |= {v for v, _ in extra}
    bound, subscripted, indices = _uses(trees)
    names = free_names(trees)  # `j` bound in a sum and free beside it is a free index too
    known -= _sample_indices(subscripted, indices, ctx) - bound
    for var in sorted(names - known - set(FUNCTIONS) - CONSTANTS):
        hi = infer_range(trees, var, ctx)
        if hi is None and var in ctx.samples and ctx.batch_size:
            hi = str(ctx.batch_size)  # a sample index runs over the batch
        if hi is None:
            raise Problem(f"{var!r} is neither a symbol of this setting nor an index with a "
                           f"range: add where=\"{var}=1..{ctx.depth}\" (or declare it)",
                           d.line(), d.where())
        extra.append((var, f"1..{hi}"))
    names_ok = known | {v for v, _ in extra}
    for side, line in zip(sides, lines):
        try:
            parse(side, names_ok)
        except FormulaError as exc:
            raise Problem(f"{exc} in {side!r}", line) from None
    return tuple(extra)


def _uses(trees: list[ast.Expression]) -> tuple[set[str], set[str], set[str]]:
    """In one walk: the indices sums bind, the names written with a subscript, and the
    names used as subscripts."""
    bound, subscripted, indices = set(), set(), set()
    for tree in trees:
        for node in ast.walk(tree):
            if is_sum(node):
                bound.add(node.args[1].elts[0].id)
            elif isinstance(node, ast.Subscript):
                if isinstance(node.value, ast.Name):
                    subscripted.add(node.value.id)
                idx = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                indices.update(e.id for e in idx if isinstance(e, ast.Name))
    return bound, subscripted, indices


def _sample_indices(subscripted: set[str], indices: set[str], ctx: TexContext) -> set[str]:
    """The note's sample letter used as a free entry index (`H_{i,n}` with samples=n) where
    it is also a name of the setting (`n`, the widths): here it is the index, never the
    widths, when the formula does not also write `n[l]`."""
    return {v for v in ctx.samples if v in indices and v not in subscripted} \
        if ctx.batch_size else set()


def is_sum(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("sum", "Sum") and len(node.args) == 2
            and isinstance(node.args[1], ast.Tuple) and node.args[1].elts
            and isinstance(node.args[1].elts[0], ast.Name))
