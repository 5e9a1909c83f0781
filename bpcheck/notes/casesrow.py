"""A row of cases with no `&`: `v \\text{ if } c`, `v \\text{ si } i = j`, `v \\text{ otherwise}`.

Many notes leave the alignment out and let the word part the value from its condition.  The
row is cut before the first \\text (or \\mbox, \\textrm) at the row's top level whose word is
one that opens a condition (if, when, for, si, falls) or is the condition itself (otherwise,
else, sinon, sonst); a row with no such word is left as it is (and stays an error).
"""
from __future__ import annotations

from .lexer import Tok, match_group, nesting

_TEXT = (r"\text", r"\textrm", r"\mbox", r"\mathrm")
_WORDS = {"if", "when", "for", "si", "falls", "otherwise", "else", "sinon", "sonst"}


def split_row(cells: list[list[Tok]]) -> list[list[Tok]]:
    """The row's cells: [value, condition] for one cell that a condition word parts."""
    if len(cells) != 1:
        return cells
    row, depth = cells[0], 0
    for k, t in enumerate(row):
        if depth == 0 and k > 0 and t.text in _TEXT and k + 1 < len(row) and row[k + 1].text == "{":
            close = match_group(row, k + 1)
            words = "".join(x.text for x in row[k + 2:close]).strip().lower().rstrip(".,")
            if words in _WORDS:
                return [row[:k], row[k:]]
        depth += nesting(t)
    return cells
