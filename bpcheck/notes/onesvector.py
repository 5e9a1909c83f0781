"""A bold 1 in a batch note: the vector of ones over the samples.

Batch notes write the bias added to every sample and the bias's gradient with a vector of
ones: `Z = W A + \\vec b \\, \\vec 1^\\top`, `\\frac{\\partial J}{\\partial \\vec b} =
\\frac{1}{N} \\Delta \\vec 1` (samples as columns), or `Z = X W + \\mathbf 1 \\mathbf b^\\top`
and `\\mathbf 1^\\top \\Delta` (samples as rows).  In every one of these the ones run over the
samples: a bias is the same for each sample, and summing a batch matrix over its samples is
what reduces it to a bias's shape.  So in a network setting with `batch=N`, a bold one
(`\\vec 1`, `\\mathbf 1`, `\\boldsymbol 1`, `\\bm 1`) with no subscript is ones(N, 1), and
`^\\top` makes it the row.  A product of the wrong size is then refuted as ill-formed, never
reshaped.  Outside a batch the bold one stays what it was (a 1 broadcast in sums; its
transpose not understood), and the indicator `\\mathbb 1` is never this vector.
"""
from __future__ import annotations

import ast
from typing import Any

from .lexer import Tok
from .tree import call

Parser = Any  # notes.parser.Parser (not imported: the parser imports this module's users)

_BOLD = frozenset({r"\vec", r"\mathbf", r"\boldsymbol", r"\bm"})


def batch_ones(p: Parser, tok: Tok) -> ast.expr | None:
    """ones(N, 1) for a bold one in a batch network (its scripts still to read), or None."""
    if tok.text not in _BOLD or not (p.ctx.network and p.ctx.batch_size) or p.at("_"):
        return None
    return call("ones", ast.Constant(p.ctx.batch_size), ast.Constant(1))
