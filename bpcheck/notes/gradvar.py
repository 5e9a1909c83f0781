"""The variable of a `\\nabla C` written without it, from the note's context.

Notes write `\\nabla C` after saying in words what it is the gradient by ("the gradient of
C with respect to the output activations $a^L$"), or in a display that spells the gradient
out (`\\nabla C = \\frac{\\partial C}{\\partial a^L}`).  The variable is read only when that
context names exactly one: the words right before the display (its paragraph, back to the
previous display) first, then the display's own derivatives of the same function.  Several
candidates, or none, leave `\\nabla C` not understood, with a hint naming them.
"""
from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Any

from .context import TexContext
from .lexer import LatexError, Tok, tokenize
from .tree import call

Parser = Any  # notes.parser.Parser, which imports this module through notation

# \nabla with no subscript (Unicode ∇ too)
_BARE_NABLA = re.compile(r"(?:\\nabla|∇)(?!\s*_)(?![A-Za-z])")
_OPENER_AT_END = re.compile(r"(?:\$\$|\\\[|\\begin\{[A-Za-z]+\*?\}|<script[^>]*>)\s*\Z")
_DISPLAY_END = re.compile(r"\$\$|\\\]|\\end\{[A-Za-z]+\*?\}|</script>")
_RESPECT = re.compile(r"with\s+respect\s+to|w\.\s?r\.\s?t\.?|\bwrt\b", re.I)
_CLAUSE_END = re.compile(r"[.;:!?](?=\s|\Z)|\n\s*\n")
_INLINE = re.compile(r"(?<![\\$])\$([^$\n]+?)\$(?!\$)|\\\((.+?)\\\)")
# a bare variable typed in words: a letter with a superscript or subscript (`a^L`, `w_{jk}`)
_BARE = re.compile(r"(?<![\w\\$])([A-Za-z](?:\^\{[^{}\s]*\}|\^[\w(\[]\S*|_\{[^{}\s]*\}|_\w)+)")
_FRACTION = re.compile(r"\\[dt]?frac\s*\{\s*\\partial\s*([^{}]*?)\s*\}\s*"
                       r"\{\s*\\partial\s*((?:[^{}]|\{[^{}]*\})+?)\s*\}")
_ENTRY = re.compile(r"_\s*(?:\{[^{}]*\}|[A-Za-z0-9])")


def needs_variable(tex: str) -> bool:
    return bool(_BARE_NABLA.search(tex))


def prose_before(text: str, offset: int) -> str:
    """The note's words right before the display that starts at `offset` (after its opener):
    the last paragraph, never reaching into the display before."""
    before = _OPENER_AT_END.sub("", text[:offset]).rstrip()
    para = re.split(r"\n[ \t]*\n", before)[-1]
    ends = list(_DISPLAY_END.finditer(para))
    return para[ends[-1].end():] if ends else para


def _clean(var: str) -> str:
    return re.sub(r"\s+", "", var).strip(",.;")


def from_words(prose: str) -> list[str]:
    """The distinct variables the words name after "with respect to" (or w.r.t.)."""
    found: list[str] = []
    for m in _RESPECT.finditer(prose):
        end = _CLAUSE_END.search(prose, m.end())
        clause = prose[m.end():end.start() if end else len(prose)]
        maths = [a or b for a, b in _INLINE.findall(clause)]
        names = maths or _BARE.findall(re.sub(r"\$[^$]*\$", " ", clause))
        found += [v for v in map(_clean, names) if v and v not in found]
    return found


def from_display(tex: str) -> list[str]:
    """The distinct variables of the display's own derivatives of the function after
    `\\nabla` (entries `a^L_j` count as their vector or matrix `a^L`)."""
    m = _BARE_NABLA.search(tex)
    after = re.match(r"\s*(\\[A-Za-z]+\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z])", tex[m.end():]) if m else None
    if after is None:
        return []
    function = _clean(after.group(1))
    found: list[str] = []
    for num, den in _FRACTION.findall(tex):
        if _clean(num) == function:
            var = _clean(_ENTRY.sub("", den))
            found += [var] if var and var not in found else []
    return found


def variable(text: str, offset: int, tex: str) -> tuple[str, str, tuple[str, ...]]:
    """(variable LaTeX, where it came from, the candidates): the variable is "" unless the
    context names exactly one."""
    words = from_words(prose_before(text, offset))
    if words:
        return (words[0] if len(words) == 1 else "",
                "the words before the display (\"with respect to\")", tuple(words))
    own = from_display(tex)
    return (own[0] if len(own) == 1 else "", "the display's own derivatives", tuple(own))


def with_variable(ctx: TexContext, text: str, offset: int, tex: str) -> TexContext:
    """`ctx` knowing the variable of a bare `\\nabla C` in the display `tex` at `offset` of
    the page `text` (unchanged when the display has none)."""
    if not needs_variable(tex):
        return ctx
    var, source, candidates = variable(text, offset, tex)
    return replace(ctx, nabla_of=var, nabla_from=source, nabla_candidates=candidates)


def bare_nabla(p: Parser, tok: Tok) -> ast.expr:
    """`\\nabla C` (just read `tok`) with the variable the context names, or the hint."""
    if not p.ctx.nabla_of:
        named = p.ctx.nabla_candidates
        raise p.fail("\\nabla without the variable below it" + (
            f": {p.ctx.nabla_from} name several ({', '.join(named)}), so which one is not "
            "clear" if len(named) > 1 else "") + "; write which one, e.g. \\nabla_{W^{(l)}} J, "
            "or say it before the display (\"with respect to $W^{(l)}$\")", tok)
    try:
        toks = [t._replace(pos=tok.pos, end=tok.end) for t in tokenize(p.ctx.nabla_of)]
        x = p.sub(toks, tok)
    except LatexError as exc:
        raise p.fail(f"\\nabla: the variable {p.ctx.nabla_of} named by {p.ctx.nabla_from} "
                     f"cannot be read ({exc}); write \\nabla_{{…}} with it", tok) from None
    nxt = p.peek()
    if nxt is None:
        raise p.fail("\\nabla without a function after it", tok)
    body = p.factor() if nxt.kind == "let" else p.product()
    return call("diff", body, x)


def said(reason: str, latex: str, ctx: TexContext) -> str:
    """A claim's reason, saying where the variable of its bare `\\nabla` came from."""
    if not (ctx.nabla_of and needs_variable(latex)):
        return reason
    told = f"\\nabla is the gradient by {ctx.nabla_of}, as {ctx.nabla_from} say"
    return f"{reason}; {told}" if reason else told
