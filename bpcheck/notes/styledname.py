"""A styled name is the name: `\\boldsymbol{\\mathbf{A}}^{(\\ell)}`, `\\vec{\\hat{y}}_n` (what a
note's `\\def\\matr#1{\\boldsymbol{\\mathbf{#1}}}` or `\\renewcommand{\\vec}[1]{...}` expands
to) carry their scripts exactly as `A^{(\\ell)}`, `\\hat{y}_n`; and `\\mathord{N}`, a math-class
wrapper, is its body.
"""
from __future__ import annotations

from .lexer import Tok, match_group

BOLD = (r"\mathbf", r"\boldsymbol", r"\bm", r"\vec", r"\mathbfit", r"\pmb")
_ACCENTS = (r"\hat", r"\widehat", r"\tilde", r"\widetilde", r"\bar", r"\overline")


def innermost(toks: list[Tok]) -> list[Tok]:
    """`toks` without bold wrappers and braces that enclose all of it (`\\mathbf{A}` -> `A`)."""
    while toks:
        if toks[0].text == "{" and match_group(toks, 0) == len(toks) - 1:
            toks = toks[1:-1]
        elif toks[0].text in BOLD and len(toks) == 2 and toks[1].text != "{":
            toks = toks[1:]  # \mathbf A
        elif toks[0].text in BOLD and len(toks) > 2 and toks[1].text == "{" \
                and match_group(toks, 1) == len(toks) - 1:
            toks = toks[2:-1]
        else:
            break
    return toks


def is_atom(toks: list[Tok]) -> bool:
    """One name: a letter, a command (`\\delta`), or an accent over one group (`\\hat{y}`),
    so that scripts after its wrapper belong to it."""
    if len(toks) == 1:
        return toks[0].kind in ("let", "cmd", "num")
    return (len(toks) > 2 and toks[0].text in _ACCENTS and toks[1].text == "{"
            and match_group(toks, 1) == len(toks) - 1)


def splice_name(p, inner: list[Tok]) -> bool:
    """Put a styled name's body back in place of its wrapper (True), so that the scripts
    after the wrapper are read as the name's; False when the body is more than one name."""
    body = innermost(inner)
    if not is_atom(body):
        return False
    p.t[p.i:p.i] = body
    return True


def mathord(p, tok: Tok):
    """`\\mathord{d_0}`: the body, as a group (TeX's ordinary-atom class changes spacing only)."""
    if not p.at("{"):
        return p.primary()
    close = match_group(p.t, p.i)
    inner = p.t[p.i + 1:close]
    if not inner:
        raise p.fail("\\mathord{}: nothing to read", tok)
    p.i = close + 1
    if splice_name(p, inner):  # \mathord{\delta}^{(2)}: the scripts are the name's
        return p.primary()
    return p.scripts_value(p.sub(inner, tok))
