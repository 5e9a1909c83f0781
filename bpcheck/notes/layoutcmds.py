"""Layout commands that carry no mathematics, read through to the formula they decorate.

- `\\boxed{F}`, `\\ensuremath{F}`, `\\colorbox{c}{F}`, `\\fcolorbox{c}{d}{F}`,
  `\\textcolor{c}{F}`: F (a `$` that opens and closes F inside a colour box is the box's
  text mode, not maths);
- `\\color{c}`, and the size switches `\\large`, `\\Large`, `\\small`, ... (also written as a
  group, `\\large{F}`): nothing;
- `\\textsc{word}`: the word, as `\\text{word}`;
- `\\checkmark`: a mark the note puts after a formula it has just confirmed: nothing;
- `\\xrightarrow{label}` (and `\\xRightarrow`): the arrow `\\to` (`\\Rightarrow`), its label a
  caption over the arrow.

A box around a whole formula or a side of it (its body holds a relation) is read without its
braces, so that `\\boxed{A = B}` is the equation A = B; a box around a member keeps them as a
group, so that `\\boxed{b + c}\\, d` stays (b + c)·d.  Works on `lexer.Tok`s without importing
the lexer (which calls it).
"""
from __future__ import annotations

from typing import Any

from .arrays import relation_at_top

SIZES = {r"\tiny", r"\scriptsize", r"\footnotesize", r"\small", r"\normalsize", r"\large",
         r"\Large", r"\LARGE", r"\huge", r"\Huge", r"\scriptstyle", r"\scriptscriptstyle"}
_MARKS = {r"\checkmark"}
_BOXES = {r"\ensuremath": 0, r"\boxed": 0, r"\colorbox": 1, r"\textcolor": 1, r"\fcolorbox": 2}
_RENAMED = {r"\textsc": r"\text"}  # small capitals: a word, as \text
_ARROWS = {r"\xrightarrow": r"\to", r"\xRightarrow": r"\Rightarrow"}
_RELATIONS = {"=", r"\approx", r"\leq", r"\geq", r"\le", r"\ge", "<", ">", r"\neq", r"\in",
              r"\to", r"\Rightarrow", r"\implies", r"\equiv", r"\coloneqq", r"\quad", r"\qquad",
              "&", "\\\\"}
_OPEN, _CLOSE = {"{", "(", "["}, {"}", ")", "]"}


def drop_layout(toks: list[Any]) -> list[Any]:
    """The tokens with every layout command of this module read through (see the module)."""
    if not any(t.text in SIZES or t.text in _MARKS or t.text in _BOXES or t.text in _ARROWS
               or t.text in _RENAMED or t.text == r"\color" for t in toks):
        return toks
    out: list[Any] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text in _MARKS:
            i += 1
        elif t.text == r"\color":
            i = _after_group(toks, i + 1)
        elif t.text in _RENAMED:
            out.append(t._replace(text=_RENAMED[t.text]))
            i += 1
        elif t.text in SIZES:
            body_at = i + 1
            if body_at < len(toks) and toks[body_at].text == "{":
                i = _unbox(toks, body_at, out)
            else:
                i += 1
        elif t.text in _BOXES:
            j = i + 1
            for _ in range(_BOXES[t.text]):  # the colour arguments
                j = _after_group(toks, j)
            i = _unbox(toks, j, out) if j < len(toks) and toks[j].text == "{" else i + 1
        elif t.text in _ARROWS:
            out.append(t._replace(text=_ARROWS[t.text]))
            j = i + 1
            if j < len(toks) and toks[j].text == "[":
                j = _after_group(toks, j)
            i = _after_group(toks, j)
        else:
            out.append(t)
            i += 1
    return out


def _unbox(toks: list[Any], at: int, out: list[Any]) -> int:
    """Append the body of the group opened at `at` (its inner `$` dropped), with its braces
    when it is one member; return the index after the group."""
    close = _close_of(toks, at)
    if close is None:  # unclosed: left as written, for the parser to report
        out.extend(toks[at:])
        return len(toks)
    body = drop_layout([x for x in toks[at + 1:close] if x.text != "$"])
    if _holds_relation(body):
        out.extend(body)
    else:
        out.extend([toks[at], *body, toks[close]._replace(text="}")])
    return close + 1


def _holds_relation(body: list[Any]) -> bool:
    """Whether the body's own rows (not a nested group's) hold a relation."""
    return relation_at_top(body, _RELATIONS, _OPEN, _CLOSE)


def _after_group(toks: list[Any], at: int) -> int:
    """The index after a `{...}` (or `[...]`) argument at `at`, or `at` when there is none."""
    close = _close_of(toks, at) if at < len(toks) and toks[at].text in ("{", "[") else None
    return at if close is None else close + 1


def _close_of(toks: list[Any], at: int) -> int | None:
    open_ = toks[at].text
    close = "}" if open_ == "{" else "]"
    depth = 0
    for j in range(at, len(toks)):
        depth += (toks[j].text == open_) - (toks[j].text == close)
        if depth == 0:
            return j
    return None
