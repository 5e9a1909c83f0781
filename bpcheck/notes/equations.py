"""Display formulas as equations: chains `A = B = C` and align rows `&= ...`, each member
translated to formula text by the LaTeX parser."""
from __future__ import annotations

import ast
from dataclasses import dataclass

from ..catalog.formula import FUNCTIONS
from .context import NETWORK, TexContext
from .lexer import LatexError, Tok, match_group, nesting, texts_of, tokenize
from .parser import OTHER_RELATIONS, RELATIONS, WORD_FUNCS, Parser


@dataclass(frozen=True)
class Member:
    """One member of a chain: its formula text, its LaTeX and its offset in the display."""

    text: str
    latex: str
    pos: int


_REMARKS = {r"\quad", r"\qquad", r"\forall", r"\mbox", ",", ";", "."}


def equations(tex: str, ctx: TexContext = NETWORK) -> list[list[Member]]:
    """Each equation of a display (a chain `A = B = C`) as translated members."""
    result = []
    for eq in _chains(tokenize(tex)):
        result.append([Member(ast.unparse(Parser(m, ctx, m[-1].end).parse_all()),
                              tex[m[0].pos:m[-1].end], m[0].pos) for m in eq])
    return result


def translate(tex: str, ctx: TexContext = NETWORK) -> str:
    """One LaTeX expression (no `=`) as formula text."""
    toks = [t for t in tokenize(tex) if t.text not in (r"\quad", r"\qquad")]
    return ast.unparse(Parser(toks, ctx, len(tex)).parse_all())


def _chains(toks: list[Tok]) -> list[list[list[Tok]]]:
    eqs: list[list[list[Tok]]] = []
    for row in _rows(toks):
        members = _members(row)
        if not row:
            continue
        if not members[0]:  # a row `&= ...` continues the chain above
            if not eqs:
                raise LatexError("the formula starts with '='", row[0].pos, "=")
            eqs[-1].extend(members[1:])
        else:
            eqs.append(members)
        for m in members[1:]:
            if not m:
                raise LatexError("an '=' with nothing after it", row[-1].pos, "=")
    return eqs


def _rows(toks: list[Tok]) -> list[list[Tok]]:
    """Rows split at top-level `\\\\`; `&` dropped; a trailing remark (\\quad ..., ', ...') cut."""
    rows: list[list[Tok]] = [[]]
    depth, skipping = 0, False
    for i, t in enumerate(toks):
        depth += nesting(t)
        if depth == 0 and t.text == "\\\\":
            rows.append([])
            skipping = False
            continue
        if skipping or (depth == 0 and t.text == "&"):
            continue
        if depth == 0 and (t.text in _REMARKS or _is_text_remark(toks, i)):
            skipping = True
            continue
        if depth > 0 and t.text in (r"\quad", r"\qquad"):
            continue
        rows[-1].append(t)
    return rows


def _is_text_remark(toks: list[Tok], i: int) -> bool:
    if toks[i].text not in (r"\text", r"\textrm") or i + 1 >= len(toks):
        return False
    close = match_group(toks, i + 1) if toks[i + 1].text == "{" else i + 1
    word = "".join(texts_of(toks[i + 2:close]))
    return WORD_FUNCS.get(word, word) not in FUNCTIONS


def _members(row: list[Tok]) -> list[list[Tok]]:
    members: list[list[Tok]] = [[]]
    depth = 0
    for k, t in enumerate(row):
        depth += nesting(t)
        if depth == 0 and t.text in OTHER_RELATIONS:
            raise LatexError(f"relation {t.text}: only '=' chains can be checked", t.pos, t.text)
        if depth == 0 and t.text == ":" and k + 1 < len(row) and row[k + 1].text == "=":
            continue  # :=
        if depth == 0 and t.text in RELATIONS:
            members.append([])
        else:
            members[-1].append(t)
    return members
