"""`n_x` and `n_y` (`D_x`, `D_y` with names=D:n): the input's and the output's widths, as
Andrew Ng's courses and many notes write them (`n_x = n^{[0]}`, `n_y = n^{[L]}`)."""
from __future__ import annotations

import ast

from .context import TexContext
from .lexer import Tok
from .tree import ident, number


def io_width(sub: list[Tok] | None, ctx: TexContext) -> ast.expr | None:
    """The layer whose width `n_x` / `n_y` is (the input, the output), or None for any other
    subscript.  Not when x or y is an index of the note's own (a sample letter)."""
    if not sub or len(sub) != 1 or sub[0].kind != "let" or sub[0].text not in ("x", "y") \
            or sub[0].text in ctx.samples:
        return None
    if sub[0].text == "y":
        return ident(ctx.depth)
    return number("0" if ctx.numbering == "standard" else "1")
