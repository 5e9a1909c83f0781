"""Bare names that can only be the output layer's, read as its.

Notes on a layered network often derive the output's gradient with bare names: the softmax
section's `p_j = \\frac{e^{z_j}}{\\sum_k e^{z_k}}` and `\\frac{\\partial L}{\\partial z_j} = p_j - y_j`,
where p is the note's name for the output.  A statement that the setting leaves not understood
for want of a layer mark is read again with bare z, a and δ meaning the output layer's, and
that reading is kept only when every layered quantity in it is the output layer's (the
output's activations and pre-activations, its δ; the target and the loss beside them; nothing
of the input, of a hidden layer or of the weights: `z = \\sum_i x_i w_i + b` keeps its error,
the formula does not say which layer it means) and the statement itself points at the output.
"""
from __future__ import annotations

import ast
from dataclasses import replace

from .context import TexContext
from .lexer import LatexError, Tok
from .statements import Statement, statements
from ..model import Setting

_ACTIVITIES = {"z", "a", "delta"}  # what an output-layer statement may name, by layer
_OTHERS = {"W", "b", "x"}  # the weights, biases and input: never the output layer alone


def output_reading(tex: str, st: Statement, setting: Setting, ctx: TexContext,
                   carry: list[Tok] | None, local: dict[str, list[Tok]] | None
                   ) -> Statement | None:
    """The statement read with bare z, a, δ as the output layer's, when that reads it in
    full and is about the output layer alone; else None."""
    if not ctx.network or ctx.unmarked or "layer superscript" not in str(st.error):
        return None
    own = replace(ctx, unmarked=ctx.depth)
    try:
        again = next((s for s in statements(tex, own, carry, local)
                      if s.pos == st.pos and s.latex == st.latex), None)
    except LatexError:
        return None
    if again is None or again.error is not None:
        return None
    out = _output_layer(setting)
    texts = [m.text for m in again.members]
    return again if _output_only(texts, ctx.depth, ctx.loss, out) else None


def output_context(ctx: TexContext) -> TexContext:
    """The context in which an output-layer statement is read."""
    return replace(ctx, unmarked=ctx.depth)


def _output_layer(setting: Setting) -> int:
    widths = tuple(setting.get("widths", ()) or ())
    return len(widths) - (1 if setting.get("numbering", "standard") == "standard" else 0)


def _output_only(texts: list[str], depth: str, loss: str, out: int) -> bool:
    """Whether the formula texts name layered quantities of the output layer only, and no
    weight, bias or input; and say themselves that they are about the output: a derivative,
    the target, the loss, or the output under a mark or the note's own name (its layer a
    number).  A bare `\\sigma(z) = ...` is about any layer and is left as it was."""
    anchored = False
    for text in texts:
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            return False
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in _OTHERS or _letters_product(node):
                return False
            anchored |= isinstance(node, ast.Name) and node.id in ("y", loss) or \
                isinstance(node, ast.Call) and getattr(node.func, "id", "") == "diff"
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                    and node.value.id in _ACTIVITIES:
                layer = node.slice
                if isinstance(layer, ast.Constant) and layer.value == out:
                    anchored = True
                elif not (isinstance(layer, ast.Name) and layer.id == depth):
                    return False
    return anchored


def _letters_product(node: ast.AST) -> bool:
    """`y_{ij}` read as the entry i·j: two index letters side by side (a sample and a class,
    or a matrix's row and column) that a vector of the output layer does not have."""
    return isinstance(node, ast.Subscript) and isinstance(node.slice, ast.BinOp) and \
        isinstance(node.slice.op, ast.Mult) and all(
            isinstance(x, ast.Name) for x in (node.slice.left, node.slice.right))
