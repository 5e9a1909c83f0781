"""A formula under a heading about the hidden layers (`#### Hidden Layers`).

Notes whose output activation differs from the hidden one (softmax) write the backward step
of the hidden layers with a generic activation, `dZ^{[l]} = dA^{[l]} \\odot g'^{[l]}(Z^{[l]})`,
under a heading that says so.  Such a formula is read for the hidden layers only: the layer
variable's range stops below the layer where its argument would be the output's (said in the
result), and g is the hidden activation.  Elsewhere the formula is split per layer
(notes.perlayer), or left to the caller's error.
"""
from __future__ import annotations

import ast
import re

from .context import TexContext
from .perlayer import _generic_calls, _layer_of, _shifted, _top_gap

_HIDDEN = re.compile(r"\bhidden[\s-]+layers?\b", re.IGNORECASE)


def about_hidden(heading: str) -> bool:
    """The heading names the hidden layers (and not the output layer too)."""
    return bool(_HIDDEN.search(heading or "")) and not re.search(r"\boutput\b", heading, re.I)


def hidden_part(sides: list[str], where: tuple[tuple[str, str], ...], ctx: TexContext,
                given: tuple[tuple[str, str], ...] = ()
                ) -> list[tuple[str, list[str], tuple[tuple[str, str], ...]]] | None:
    """[("hidden layers", sides, where)] with the one layer variable's range ending below
    the output layer (where no generic activation's argument is the output's), or None (no
    single layer variable, a range not ending at the depth, a range the annotation gives)."""
    try:
        trees = [ast.parse(s, mode="eval") for s in sides]
    except SyntaxError:
        return None
    uses = {_layer_of(c.args[0]) for t in trees for c in _generic_calls(t)}
    if None in uses:
        return None
    ranges = dict(where)
    variables = {v for v, _ in uses} if uses else \
        {v for v, r in where if _top_gap(r, ctx.depth) is not None}  # type: ignore[misc]
    if len(variables) != 1 or None in variables:
        return None
    var = variables.pop()
    if var in dict(given):
        return None  # where="l=1..L" written by the user: theirs, whatever the heading says
    gap = _top_gap(ranges.get(var, ""), ctx.depth)
    if gap is None:
        return None
    top_shift = max((s for _, s in uses), default=0)  # type: ignore[misc]
    lo = ranges[var].split("..")[0].strip()
    top = _shifted(ctx.depth, max(top_shift + 1, gap))  # no call reaches the output
    return [("hidden layers", list(sides),
             tuple((v, f"{lo}..{top}" if v == var else r) for v, r in where))]
