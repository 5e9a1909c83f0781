"""`\\begin{array}{...}`, read for what the note uses it for.

- between `\\left[` and `\\right]` (or `\\left(` and `\\right)`), nothing else inside the
  delimiters: a matrix, read as `bmatrix` (`pmatrix`);
- alone at the top of a display, its rows holding relations (`\\mathbf z &= W x + b \\\\
  &= ...`): an alignment, read as `aligned`;
- anywhere else (cases after `\\left\\{`, rows of words, an array inside another group): as
  today (a one-column listing is opened before lexing, see remarks.unwrap).

Its column spec (`{cc}`, `{rcl}`, `{l|r}`) lays the columns out only: dropped whenever the
array is read as a matrix or an alignment.  Works on `lexer.Tok`s without importing the
lexer (which calls it).
"""
from __future__ import annotations

from typing import Any

_MATRICES = {"[": ("]", "bmatrix"), "(": (")", "pmatrix")}
_RELATIONS = {"=", r"\approx", r"\leftarrow", r"\gets", r"\le", r"\leq", r"\ge", r"\geq", "<",
              ">", r"\neq", r"\equiv", r"\coloneqq", r"\to", r"\Rightarrow", r"\implies"}
_OPEN = {"{", "(", "[", r"\{"}
_CLOSE = {"}", ")", "]", r"\}"}
_DISPLAY = {"equation", "equation*", "align", "align*", "gather", "gather*", "multline",
            "multline*", "displaymath"}  # the display itself: its top level is the array's


def read_arrays(toks: list[Any]) -> list[Any]:
    """The tokens with each array read as a matrix or an alignment where it is one."""
    if not any(t.kind == "begin" and t.text == "array" for t in toks):
        return toks
    out = list(toks)
    i = 0
    while i < len(out):
        t = out[i]
        if t.kind == "begin" and t.text == "array":
            end = _end_of(out, i)
            if end is not None:
                out, i = _read_one(out, i, end)
        i += 1
    return out


def _read_one(toks: list[Any], begin: int, end: int) -> tuple[list[Any], int]:
    """The tokens with the array at `begin`..`end` renamed when it is a matrix or an
    alignment (its column spec dropped), and where to go on."""
    body_at = _after_spec(toks, begin)
    delimited = begin >= 2 and toks[begin - 2].text == r"\left" and toks[begin - 1].text in _MATRICES
    if delimited and end + 2 < len(toks) and toks[end + 1].text == r"\right" \
            and toks[end + 2].text == _MATRICES[toks[begin - 1].text][0]:
        env = _MATRICES[toks[begin - 1].text][1]
        new = [toks[begin]._replace(text=env), *toks[body_at:end], toks[end]._replace(text=env)]
        return toks[:begin - 2] + new + toks[end + 3:], begin - 2 + len(new) - 1
    if _depth(toks, begin) == 0 and _rows_relate(toks[body_at:end]):
        new = [toks[begin]._replace(text="aligned"), *toks[body_at:end],
               toks[end]._replace(text="aligned")]
        return toks[:begin] + new + toks[end + 1:], begin
    return toks, begin


def _after_spec(toks: list[Any], begin: int) -> int:
    """The index after the column spec `{cc}` right after `\\begin{array}` (or begin + 1)."""
    j = begin + 1
    if j < len(toks) and toks[j].text == "{":
        k = j + 1
        while k < len(toks) and toks[k].text != "}" and toks[k].text not in _OPEN:
            k += 1
        spec = "".join(t.text for t in toks[j + 1:k])
        if k < len(toks) and toks[k].text == "}" and spec and set(spec) <= set("lcrp|@.0123456789"):
            return k + 1
    return j


def _end_of(toks: list[Any], begin: int) -> int | None:
    """The index of the `\\end{array}` closing the array opened at `begin`."""
    depth = 0
    for j in range(begin, len(toks)):
        if toks[j].text == "array" and toks[j].kind in ("begin", "end"):
            depth += 1 if toks[j].kind == "begin" else -1
            if depth == 0:
                return j
    return None


def _depth(toks: list[Any], at: int) -> int:
    """How many groups, delimiters or environments are open before `at`."""
    depth = 0
    for t in toks[:at]:
        env = t.kind in ("begin", "end") and t.text not in _DISPLAY
        depth += (t.text in _OPEN or env and t.kind == "begin") - \
            (t.text in _CLOSE or env and t.kind == "end")
    return depth


def _rows_relate(body: list[Any]) -> bool:
    """Whether the body's own rows (not a nested group's) hold a relation."""
    return relation_at_top(body, _RELATIONS, _OPEN, _CLOSE)


def relation_at_top(body: list[Any], relations: set[str], opens: set[str],
                    closes: set[str]) -> bool:
    """Whether `body` holds one of `relations` outside its own groups and environments."""
    depth = 0
    for t in body:
        depth += (t.text in opens or t.kind == "begin") - (t.text in closes or t.kind == "end")
        if depth == 0 and t.text in relations:
            return True
    return False
