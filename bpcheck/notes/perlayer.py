"""A generic activation that means each layer's own one.

Notes in the style of `A^{[l]} = g(Z^{[l]})` or `dZ^{[l]} = dA^{[l]} * g'(Z^{[l]})` write
f or g for "this layer's activation" in a network whose output activation differs from the
hidden one.  Such a formula says two things, and is read as two claims: one for the hidden
layers (f is the hidden activation, the layer range stops where the argument would reach
the output layer) and one for the output layer (the layer variable set to that layer, f
replaced by the output activation, f' by its derivative).  When the output activation has
no entrywise derivative (softmax) the formula is left to the caller's error.
"""
from __future__ import annotations

import ast
import re

from .context import TexContext

_FORWARD = {"f", "g"}
_DERIVATIVE = {"fprime", "gprime", "df"}
_LAYERED = {"W", "b", "z", "a", "delta", "B"}


def _prime(name: str, u: str) -> str | None:
    """The output activation's derivative at `u`, in the formula language."""
    return {"sigmoid": f"sigmoid({u}) % (1 - sigmoid({u}))",
            "tanh": f"1 - tanh({u}) ** 2",
            "relu": f"step({u})", "identity": f"0 * {u} + 1"}.get(name)


def _layer_of(arg: ast.expr) -> tuple[str | None, int] | None:
    """(variable, shift) of `z[l + 1]`, (None, layer) of `z[2]`, None for anything else."""
    if not (isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name)
            and arg.value.id in _LAYERED):
        return None
    s = arg.slice
    if isinstance(s, ast.Name):
        return s.id, 0
    if isinstance(s, ast.Constant) and isinstance(s.value, int):
        return None, s.value
    if isinstance(s, ast.BinOp) and isinstance(s.left, ast.Name) and isinstance(s.op, (
            ast.Add, ast.Sub)) and isinstance(s.right, ast.Constant) \
            and isinstance(s.right.value, int):
        return s.left.id, s.right.value * (1 if isinstance(s.op, ast.Add) else -1)
    return None


def _generic_calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id in _FORWARD | _DERIVATIVE and len(n.args) == 1]


def _top_gap(rng: str, depth: str) -> int | None:
    """How far below the depth the range `1..L-1` ends (0 for `..L`); None if not `..L±k`."""
    m = re.fullmatch(rf"\s*\S+?\s*\.\.\s*{re.escape(depth)}\s*(?:([+-])\s*(\d+))?\s*", rng)
    if m is None:
        return None
    return int(m.group(2) or 0) * (1 if m.group(1) == "-" else -1)


def _shifted(depth: str, gap: int) -> str:
    return depth if gap == 0 else f"{depth}-{gap}" if gap > 0 else f"{depth}+{-gap}"


class _ToOutput(ast.NodeTransformer):
    """Sets the layer variable to the output layer, and f, f' there to the output's own."""

    def __init__(self, var: str | None, layer: ast.expr, top: int, output: str) -> None:
        self.var, self.layer, self.top, self.output = var, layer, top, output
        self.failed = False

    def visit_Call(self, node: ast.Call) -> ast.AST:
        found = _layer_of(node.args[0]) if len(node.args) == 1 else None
        generic = isinstance(node.func, ast.Name) and node.func.id in _FORWARD | _DERIVATIVE
        self.generic_visit(node)
        if not generic or found is None:
            return node
        if found[1] != self.top:
            return node  # a hidden layer's activation even here
        u = ast.unparse(node.args[0])
        name = node.func.id  # type: ignore[union-attr]
        if name in _FORWARD:
            text = u if self.output == "identity" else f"{self.output}({u})"
        else:
            text = _prime(self.output, u)
            if text is None:
                self.failed = True
                return node
        return ast.parse(f"({text})", mode="eval").body

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self.layer if self.var is not None and node.id == self.var else node


def split_by_layer(sides: list[str], where: tuple[tuple[str, str], ...], ctx: TexContext,
                   output: str, output_layer: int
                   ) -> list[tuple[str, list[str], tuple[tuple[str, str], ...]]] | None:
    """[(part, sides, where)] for the hidden layers and the output layer, or None when the
    formula cannot be split soundly (several layer variables, a range not ending at the
    depth, an output activation without an entrywise derivative)."""
    try:
        trees = [ast.parse(s, mode="eval") for s in sides]
    except SyntaxError:
        return None
    uses = {_layer_of(c.args[0]) for t in trees for c in _generic_calls(t)}
    if None in uses or not uses:
        return None
    variables = {v for v, _ in uses if v is not None}
    ranges = dict(where)
    if len(variables) > 1:
        return None
    if not variables:  # f(z[L]) with the layer written: the output's own activation only
        if {s for _, s in uses} != {output_layer}:
            return None
        return _output_part(trees, where, None, ast.Constant(output_layer), output_layer,
                            output, ctx)
    var = variables.pop()
    gap = _top_gap(ranges.get(var, ""), ctx.depth)
    if gap is None or any(v is None for v, _ in uses):
        return None
    top_shift = max(s for _, s in uses)  # the call nearest the output layer
    if gap + (-top_shift) > 0:
        return None  # never reaches the output layer: not for this module
    lo = ranges[var].split("..")[0].strip()
    hidden_top = _shifted(ctx.depth, top_shift + 1)
    hidden = tuple((v, f"{lo}..{hidden_top}" if v == var else r) for v, r in where)
    at = _shifted(ctx.depth, top_shift)
    out = _output_part(trees, where, var, ast.parse(at, mode="eval").body, top_shift, output, ctx)
    if out is None:
        return None
    return [("hidden layers", list(sides), hidden)] + out


def _output_part(trees: list[ast.Expression], where: tuple[tuple[str, str], ...],
                 var: str | None, layer: ast.expr, top: int, output: str, ctx: TexContext
                 ) -> list[tuple[str, list[str], tuple[tuple[str, str], ...]]] | None:
    sides = []
    for t in trees:
        change = _ToOutput(var, layer, top, output)
        new = change.visit(ast.parse(ast.unparse(t), mode="eval"))
        if change.failed:
            return None
        sides.append(ast.unparse(new))
    at = ast.unparse(layer)
    rest = tuple((v, re.sub(rf"\b{re.escape(var)}\b", f"({at})", r) if var else r)
                 for v, r in where if v != var)
    return [("output layer", sides, rest)]
