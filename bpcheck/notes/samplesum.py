"""`\\sum` with no index of a batch's matrix, in a gradient of a bias: the sum over the samples.

Batch notes write the bias's gradient as `db^{[l]} = \\frac{1}{m} \\sum dZ^{[l]}` (NumPy's
`np.sum(dZ, axis=1, keepdims=True)`): the sum has no index, and what it sums is a whole matrix
of the batch (`dZ^{[l]}`, `A - Y`), no entry of it.  The bias is added to every sample, so its
gradient is the sum of the per-sample gradients over the samples: the axis the note's
convention puts them on (the columns, or the rows with row_vectors).  Only there is this
reading certain: `\\sum Y \\log A` in a cost sums every entry, and elsewhere an index-free sum
with nothing to index stays not understood.  So the reading applies only in an equation one of
whose members is the loss's gradient by a layer's bias (`db^{[l]}`, `\\frac{\\partial J}
{\\partial b}`), and the translation is the batch matrix times ones(N, 1): a column per layer
unit, of the bias's own shape, which the check then confirms.
"""
from __future__ import annotations

import ast
from dataclasses import replace
import re
from typing import Any

from .context import TexContext
from .lexer import Tok
from .tree import binop, call

Parser = Any  # notes.parser.Parser (not imported: the parser imports this module's users)

# what a batch's matrix is built of: its layers' z and a, its inputs and targets
_BATCH_NAMES = frozenset({"a", "z", "x", "y", "yhat"})
_BARE_SUM = re.compile(r"\\sum(?![A-Za-z])\s*(?![\s_^])")


def bias_equation(members: list[str], loss: str) -> bool:
    """Whether one of an equation's members (formula text) is the loss's gradient by a
    layer's bias (`db^{[l]}`, `\\frac{\\partial J}{\\partial b}`)."""
    return any(_is_bias_gradient(ast.parse(m, mode="eval").body, loss) for m in members)


def with_sample_sums(ctx: TexContext) -> TexContext | None:
    """The context to read an index-free `\\sum` of a batch matrix in, or None outside a batch."""
    return replace(ctx, sample_sums=True) if ctx.network and ctx.batch_size else None


def bare_sum(latex: str) -> bool:
    """Whether the LaTeX holds a `\\sum` with neither index nor limit."""
    return bool(_BARE_SUM.search(latex))


def over_samples(p: Parser, body: ast.expr, tok: Tok) -> ast.expr | None:
    """`\\sum M` of a batch matrix M (no entry of it): M times ones(N, 1), the sum over the
    samples; None when the context allows no sample sum or the body is not a batch matrix."""
    if not p.ctx.sample_sums or not _batch_matrix(body):
        return None
    return binop(body, ast.Mult(), call("ones", ast.Constant(p.ctx.batch_size), ast.Constant(1)))


def _is_bias_gradient(node: ast.expr, loss: str) -> bool:
    """`diff(J, b[l])`, or its transpose."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "transpose" and len(node.args) == 1:
            return _is_bias_gradient(node.args[0], loss)
        if node.func.id == "diff" and len(node.args) == 2:
            f, var = node.args
            return isinstance(f, ast.Name) and f.id == loss and isinstance(var, ast.Subscript) \
                and isinstance(var.value, ast.Name) and var.value.id == "b"
    return False


def _batch_matrix(body: ast.expr) -> bool:
    """Whether `body` names a whole batch matrix (a[l], z[l], x, y, a gradient by z[l] or
    a[l]) and no entry of one (a[l][j], y[i])."""
    named = False
    for node in ast.walk(body):
        if isinstance(node, ast.Subscript) and (isinstance(node.value, ast.Subscript) or isinstance(
                node.value, ast.Name) and node.value.id in _BATCH_NAMES - {"a", "z"}):
            return False  # an entry (a[l][j], y[i]): an index-free sum runs over its index
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and node.value.id in ("a", "z"):
            named = True
        if isinstance(node, ast.Name) and node.id in _BATCH_NAMES:
            named = True
    return named
