"""Brackets typed inside a word (`\\text{1) for } i`, `\\text{a) forward [one sample]}`):
text, not grouping.  Counted as groups they would hide the row breaks after them."""
from __future__ import annotations

from .lexer import Tok, match_group

TEXT_CMDS = (r"\text", r"\textrm", r"\mbox", r"\textit", r"\textnormal")


def brackets_in_words(toks: list[Tok]) -> set[int]:
    """Where the brackets inside a word are (`\\text{1) for }`): they neither open nor close
    a group, so that the rows of pseudo-code stay rows."""
    out: set[int] = set()
    k = 0
    while k < len(toks):
        if toks[k].text in TEXT_CMDS and k + 1 < len(toks) and toks[k + 1].text == "{":
            close = match_group(toks, k + 1)
            out |= {j for j in range(k + 2, close) if toks[j].text in "()[]"}
            k = close
        k += 1
    return out
