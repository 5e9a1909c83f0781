"""Display formulas as equations: chains `A = B = C` and align rows `&= ...`, each member
translated to formula text by the LaTeX parser.

`equations` is the view of `statements.statements` that the claim reader checks: the
equality chains of a display.  Index ranges and remarks in words are not equations and
are left to `statements`; anything else that is not an equality (an inequality, an
approximation, a shape, an update) or not understood raises a `LatexError` naming it, so
that nothing of a formula is silently dropped.
"""
from __future__ import annotations

from .context import NETWORK, TexContext
from .lexer import LatexError, tokenize
from .macros import definitions, expand
from .parser import to_text
from .statements import Member, Statement, statements

_NOT_EQUATIONS = ("range", "remark")


def equations(tex: str, ctx: TexContext = NETWORK) -> list[list[Member]]:
    """Each equation of a display (a chain `A = B = C`) as translated members."""
    result = []
    for st in statements(tex, ctx):
        if st.error is not None:
            raise st.error
        if st.kind in ("equation", "expression"):
            result.append(list(st.members))
        elif st.kind not in _NOT_EQUATIONS:
            raise _not_an_equation(st)
    return result


def _not_an_equation(st: Statement) -> LatexError:
    rel = st.relations[0] if st.relations else st.kind
    pos = st.relation_pos if st.relation_pos >= 0 else st.pos
    return LatexError(f"relation {rel}: only '=' chains can be checked ({st.reason})", pos, rel)


def translate(tex: str, ctx: TexContext = NETWORK) -> str:
    """One LaTeX expression (no `=`) as formula text."""
    defined, toks = definitions(tokenize(tex))
    toks = [t for t in expand(toks, {**dict(ctx.macros), **defined})
            if t.text not in (r"\quad", r"\qquad")]
    if not toks:
        raise LatexError("an empty formula", 0)
    return to_text(toks, ctx, len(tex))


__all__ = ["Member", "Statement", "equations", "statements", "translate"]
