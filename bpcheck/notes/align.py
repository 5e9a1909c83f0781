"""Alignment in `align`, `aligned` and `eqnarray` rows, wherever the note puts the marks.

- `a =& b` aligns at the relation as `a &= b` does (statements.py drops an `&` right after a
  relation);
- a long term broken over rows inside parentheses (`\\Bigg( x \\\\ +& y \\Bigg)`): the row
  break and the `&` inside the parentheses only lay the term out;
- a row opening with `+`, `-`, `\\cdot` or `\\times` (`+& (f(z_2) - t_2) \\dots`) continues the
  last member of the chain above, as a row opening with `=` continues the chain.
"""
from __future__ import annotations

from .lexer import Tok
from .parser import OTHER_RELATIONS, RELATIONS

_OPERATORS = {"+", "-", r"\cdot", r"\times", r"\pm"}
_PARENS = {"(": ")", "[": "]"}
_OPENERS = {"(", "[", "{", r"\{"}
_CLOSERS = {")", "]", "}", r"\}"}


def joined_in_parens(toks: list[Tok]) -> list[Tok]:
    """The tokens without the row breaks and `&` that sit inside a parenthesis or bracket
    (never inside braces or an environment: a matrix's rows stay rows)."""
    out: list[Tok] = []
    stack: list[str] = []
    for t in toks:
        if t.text in _OPENERS or t.kind == "begin":
            stack.append(t.text if t.kind != "begin" else "begin")
        elif (t.text in _CLOSERS or t.kind == "end") and stack:
            stack.pop()
        elif t.text in ("\\\\", "&") and stack and stack[-1] in _PARENS:
            continue
        out.append(t)
    return out


def continues_term(piece: list[Tok]) -> bool:
    """Whether a row's first piece opens with a binary operator: the rest of the term above."""
    return bool(piece) and piece[0].text in _OPERATORS


def after_relation(out: list[Tok]) -> bool:
    """`a =& b`: an `&` right after a relation aligns it (the relation's right side follows)."""
    return bool(out) and (out[-1].text in RELATIONS or out[-1].text in OTHER_RELATIONS)
