"""A parenthesis a note leaves open inside a `\\left( … \\right)` pair.

`\\mathrm{diag}\\left(\\sigma(h)(1-\\sigma(h)\\right)` renders with the big `)` seeming to close
both; LaTeX pairs `\\left` with `\\right`, so the plain `(` of `(1-` is the one left open.
Inside the pair it can only close before `\\right`, and closing it anywhere earlier would
cut one of its terms: when exactly one plain `(` is open at `\\right)` (and no plain `)` ever
closed more than was opened), a `)` is put right before `\\right` and the reading says so.
Any other imbalance stays an error.
"""
from __future__ import annotations

import re
from typing import NamedTuple

CLOSED_NOTE = ("a parenthesis the note leaves open inside \\left( … \\right) closed at its "
               "\\right)")


class _Frame(NamedTuple):
    delimiter: str
    depth: list[int]  # [open plain parens, lowest it went]


def close_left_groups(toks: list) -> list:
    """The tokens with the one `)` a `\\left( … \\right)` pair lacks put before its `\\right`."""
    out: list = []
    frames: list[_Frame] = []
    for i, t in enumerate(toks):
        nxt = toks[i + 1].text if i + 1 < len(toks) else ""
        before = toks[i - 1].text if i else ""
        if t.text == r"\left":
            frames.append(_Frame(nxt, [0, 0]))
        elif t.text == r"\right" and frames:
            frame = frames.pop()
            if frame.delimiter == "(" and nxt == ")" and frame.depth == [1, 0]:
                out.append(type(t)("sym", ")", t.pos, t.pos))
        elif frames and t.text in "()" and before not in (r"\left", r"\right"):
            depth = frames[-1].depth
            depth[0] += 1 if t.text == "(" else -1
            depth[1] = min(depth)
        out.append(t)
    return out


class _Piece(NamedTuple):
    kind: str
    text: str
    pos: int
    end: int


_PIECES = re.compile(r"\\[A-Za-z]+|\\.|\S")


def left_open(latex: str) -> bool:
    """Whether the LaTeX leaves a parenthesis open that `close_left_groups` closes."""
    pieces = [_Piece("", m.group(), m.start(), m.end()) for m in _PIECES.finditer(latex)]
    return len(close_left_groups(pieces)) != len(pieces)


__all__ = ["CLOSED_NOTE", "close_left_groups", "left_open"]
