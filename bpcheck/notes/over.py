"""TeX's `\\over`: `{a \\over b}` is `\\frac{a}{b}`.

Plain TeX divides the whole group the `\\over` sits in: `{\\partial E \\over \\partial u_{11}}`
is ∂E/∂u₁₁, `{1 \\over 2}` is 1/2.  The group is the innermost brace pair around it; outside
any braces it is the cell: what lies between the alignment marks `&`, the row breaks `\\\\`
and the environment's ends (`\\partial E \\over \\partial u` alone in a display).  A group
with two `\\over` is TeX's error ("ambiguous fraction") and is reported as such.
"""
from __future__ import annotations

from .lexer import LatexError, Tok

_CELL_ENDS = {"&", "\\\\"}


def fractions_over(toks: list[Tok]) -> list[Tok]:
    """The tokens with every `{a \\over b}` written `\\frac{a}{b}`."""
    while True:
        k = next((i for i, t in enumerate(toks) if t.text == r"\over"), -1)
        if k < 0:
            return toks
        start, end = _scope(toks, k)
        num, den = toks[start + 1:k], toks[k + 1:end]
        if any(t.text == r"\over" for t in den):
            t = toks[k]
            raise LatexError("two \\over in one group (ambiguous fraction)", t.pos, t.text)
        t = toks[k]
        braced = 0 <= start and end < len(toks) and toks[start].text == "{"
        first = toks[start].pos if braced else (num or [t])[0].pos  # spans the note's LaTeX
        last = toks[end].end if braced else (den or [t])[-1].end
        frac = [Tok("cmd", r"\frac", first, first), Tok("sym", "{", first, first), *num,
                Tok("sym", "}", t.pos, t.pos), Tok("sym", "{", t.end, t.end), *den,
                Tok("sym", "}", last, last)]
        toks = toks[:start + 1] + frac + toks[end:] if not braced else \
            toks[:start] + frac + toks[end + 1:]


def _scope(toks: list[Tok], k: int) -> tuple[int, int]:
    """(index before the group's first token, index after its last) of the `\\over` at k:
    the enclosing `{`/`}` when there is one, else the ends of the cell."""
    start = _edge(toks, range(k - 1, -1, -1), "}", "{", -1)
    end = _edge(toks, range(k + 1, len(toks)), "{", "}", len(toks))
    opened = start >= 0 and toks[start].text == "{"
    closed = end < len(toks) and toks[end].text == "}"
    if opened != closed:
        t = toks[k]
        raise LatexError("\\over whose group is not closed", t.pos, t.text)
    return start, end


def _edge(toks: list[Tok], order: range, deeper: str, closing: str, none: int) -> int:
    """Walking `order` away from the `\\over`: the index of the brace that closes its group,
    or of the cell's end (`&`, `\\\\`, an environment), or `none` when the walk runs out."""
    depth = 0
    for i in order:
        t = toks[i]
        if t.text == deeper:
            depth += 1
        elif t.text == closing:
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and (t.text in _CELL_ENDS or t.kind in ("begin", "end")):
            return i
    return none
