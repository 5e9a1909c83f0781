"""The loss of one training example, as notes write it with a subscript.

- `loss_symbol=C_0` (3Blue1Brown's cost of example 0): `C_0` and `C_{0}` are the loss, one
  name, never the entry 0 of a C;
- `example_index=n` with `loss_symbol=E` (PRML's per-example error E_n): `E_n` is the loss of
  example n.  In a one-example setting that is the setting's loss; a display that sums or
  averages it over the examples (`E = \\sum_n E_n`) states the loss of a data set the setting
  does not have, and is not understood (with that reason), never read as a sum of copies.

The tokens are rewritten before parsing into one name token: nothing is evaluated.
"""
from __future__ import annotations

import re

from .lexer import LatexError, Tok, match_group, texts_of

_SUBSCRIPTED = re.compile(r"([A-Za-z])_([A-Za-z0-9])")


def loss_tokens(toks: list[Tok], loss: str, example_index: str) -> list[Tok]:
    """`toks` with each written form of the one example's loss as the token `loss`."""
    m = _SUBSCRIPTED.fullmatch(loss)
    letter, index = (m.group(1), m.group(2)) if m else (loss, example_index)
    if not index or len(letter) != 1:
        return toks
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        end = _written_at(toks, k, letter, index)
        if end is None:
            out.append(toks[k])
            k += 1
            continue
        if not m:
            _not_summed(toks, index, toks[k])
        out.append(toks[k]._replace(kind="let", text=loss, end=toks[end - 1].end))
        k = end
    return out


def _written_at(toks: list[Tok], k: int, letter: str, index: str) -> int | None:
    """The end of `letter_index` or `letter_{index}` written at k (not itself in a script)."""
    if toks[k].text != letter or toks[k].kind != "let":
        return None
    if k and toks[k - 1].text in ("_", "^") or k + 1 >= len(toks) or toks[k + 1].text != "_":
        return None
    if k + 2 < len(toks) and toks[k + 2].text == index:
        return k + 3
    if k + 2 < len(toks) and toks[k + 2].text == "{":
        close = match_group(toks, k + 2)
        if texts_of(toks[k + 3:close]) == [index]:
            return close + 1
    return None


def _not_summed(toks: list[Tok], index: str, at: Tok) -> None:
    """A sum or mean over the examples' index: the loss of several examples."""
    for j, t in enumerate(toks):
        if t.text in (r"\sum", r"\prod") and j + 2 < len(toks) and toks[j + 1].text == "_":
            script = toks[j + 3:match_group(toks, j + 2)] if toks[j + 2].text == "{" \
                else [toks[j + 2]]
            if script and script[0].text == index:
                raise LatexError(f"a sum over the examples ({index}) of the loss of one example: "
                                 "the setting has one example (give batch=N for a data set)",
                                 at.pos, at.text)
