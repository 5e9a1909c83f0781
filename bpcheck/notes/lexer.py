"""Tokens of the LaTeX that backprop notes use, and the group structure between them.

`tokenize` turns a display formula into `Tok`s (commands, numbers, letters, symbols,
`\\begin`/`\\end`), mapping Unicode math (δ, ∂, ⊙, ...) to its command and dropping
what carries no meaning here (sizing, spacing, labels, equation environments).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from .arrays import read_arrays
from .layoutcmds import drop_layout
from .parens import close_left_groups


class LatexError(ValueError):
    """LaTeX outside the subset; `pos` is the offset of the construct in the formula."""

    def __init__(self, message: str, pos: int = 0, construct: str = "") -> None:
        super().__init__(message)
        self.pos = pos
        self.construct = construct


class Tok(NamedTuple):
    kind: str  # "cmd", "num", "let", "sym", "begin", "end"
    text: str
    pos: int
    end: int


_LEX = re.compile(r"(?P<skip>%[^\n]*|\s+|\\[,;:!> ]|~)"
                  r"|\\(?P<env>begin|end)\s*\{(?P<name>[A-Za-z]+\*?)\}"
                  r"|(?P<cmd>\\(?:[A-Za-z]+|.))|(?P<num>\d+(?:\.\d+)?)|(?P<let>[A-Za-z])"
                  r"|(?P<sym>.)", re.S)
_GREEK_UNICODE = dict(zip("αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ",
                          r"alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
                          r"pi rho sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi "
                          r"Pi Sigma Phi Psi Omega".split()))
_UNICODE = {**{k: "\\" + v for k, v in _GREEK_UNICODE.items()},
            "≤": r"\le", "≥": r"\ge", "≠": r"\neq", "→": r"\to", "⇒": r"\Rightarrow",
            "∈": r"\in", "ℝ": r"\Reals", "‖": r"\|", "⋅": r"\cdot", "∀": r"\forall",
            "δ": r"\delta", "σ": r"\sigma", "∂": r"\partial", "∇": r"\nabla", "⊙": r"\odot",
            "∘": r"\circ", "·": r"\cdot", "×": r"\times", "−": "-", "′": "'", "⊤": r"\top",
            "∑": r"\sum", "ℓ": r"\ell", "…": r"\dots", "≈": r"\approx", "∫": r"\int"}
_SIZING = {r"\left", r"\right", r"\middle", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr",
           r"\Bigl", r"\Bigr", r"\biggl", r"\biggr", r"\Biggl", r"\Biggr"}
_IGNORED = {r"\displaystyle", r"\textstyle", r"\limits", r"\nolimits", r"\nonumber", r"\notag"}
_TRANSPARENT = {"equation", "equation*", "align", "align*", "aligned", "split", "gather",
                "gather*", "gathered", "multline", "multline*", "alignat", "alignat*", "eqnarray"}


# letters with a hat (precomposed, or followed by U+0302): \hat{y}
_HATTED = {"ŷ": "y", "ĥ": "h", "ẑ": "z", "â": "a", "ô": "o", "ŵ": "w", "x̂": "x"}
# two-character relations typed in plain text, and a Markdown-escaped underscore
_BARS = {"|", r"\vert", r"\rvert"}
_PAIRS_TYPED = {(">", "="): r"\geq", ("<", "="): r"\leq", ("!", "="): r"\neq"}


def tokenize(tex: str) -> list[Tok]:
    return drop_layout(_clean(close_left_groups(read_arrays(_merge(_dots(_function_words(
        _raw_tokens(tex))))))))


# function names typed in italic letters, as plain-text notes do: `sigmoid(z)`, `max(0,z)`
_ITALIC_FUNCTIONS = {"sigmoid", "softmax", "relu", "ReLU", "tanh", "max", "min", "diag",
                     "softplus", "exp", "log"}


def _function_words(toks: list[Tok]) -> list[Tok]:
    """A run of adjacent letters spelling a function's name, right before `(`, is that
    function (`\\mathrm{sigmoid}`), never the product s·i·g·m·o·i·d."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        if out and out[-1].text in ("_", "^") and toks[i].kind == "let":
            out.append(toks[i])  # `y_ilog(p_i)`: the unbraced script is one letter
            i += 1
            continue
        j = i
        while j < len(toks) and toks[j].kind == "let" and (j == i or toks[j].pos == toks[j - 1].end):
            j += 1
        word = "".join(t.text for t in toks[i:j])
        before = out[-1].text if out else ""
        if j - i > 2 and word in _ITALIC_FUNCTIONS and j < len(toks) and toks[j].text == "(" \
                and toks[j].pos == toks[j - 1].end and not before.startswith("\\"):
            a, b = toks[i].pos, toks[j - 1].end
            out += [Tok("cmd", r"\mathrm", a, a), Tok("sym", "{", a, a),
                    *toks[i:j], Tok("sym", "}", b, b)]
            i = j
            continue
        out.append(toks[i])
        i += 1
    return out


def _raw_tokens(tex: str) -> list[Tok]:
    toks: list[Tok] = []
    for m in _LEX.finditer(tex):
        kind = m.lastgroup  # the group that closed last: `name` for an environment
        if kind == "skip":
            continue
        if kind == "name":
            toks.append(Tok(m.group("env"), m.group("name"), m.start(), m.end()))
            continue
        text = m.group(kind)
        if text == "\u0302" and toks and toks[-1].kind == "let":  # y + combining circumflex
            last = toks.pop()
            toks.extend(_hat(last.text, last.pos, m.end()))
            continue
        if text in _HATTED:
            toks.extend(_hat(_HATTED[text], m.start(), m.end()))
            continue
        if text in _UNICODE:
            text = _UNICODE[text]
            kind = "cmd" if text.startswith("\\") else "sym"
        elif text in ("\\_", "\\^"):  # Markdown-escaped `\_`, `\^`
            kind, text = "sym", text[1]
        elif kind == "sym" and not text.isascii() and text.isalpha():
            kind = "let"  # another letter (é, ü): a name, as Latin letters are
        toks.append(Tok(kind, text, m.start(), m.end()))
    return toks


def _hat(letter: str, pos: int, end: int) -> list[Tok]:
    return [Tok("cmd", r"\hat", pos, end), Tok("sym", "{", pos, end), Tok("let", letter, pos, end),
            Tok("sym", "}", pos, end)]


def _merge(toks: list[Tok]) -> list[Tok]:
    """`>=`, `<=`, `!=` as one relation; `\\right|` or `\\big|` before `_` as an evaluation bar."""
    out: list[Tok] = []
    for t in toks:
        prev = out[-1] if out else None
        if prev is not None and (prev.text, t.text) in _PAIRS_TYPED and prev.end == t.pos:
            out[-1] = Tok("cmd", _PAIRS_TYPED[prev.text, t.text], prev.pos, t.end)
            continue
        if t.text == "_" and prev is not None and (prev.text == r"\mid" or prev.text in _BARS
                                                   and len(out) > 1 and out[-2].text in _SIZING):
            bar = out.pop()
            if out and out[-1].text in _SIZING:
                out.pop()
            out.append(Tok("cmd", r"\evalbar", bar.pos, bar.end))
        out.append(t)
    return out


def _dots(toks: list[Tok]) -> list[Tok]:
    """`...` typed as three full stops is `\\dots` (an elided entry, as in a drawn matrix)."""
    out: list[Tok] = []
    for t in toks:
        if t.text == "." and len(out) >= 2 and out[-1].text == "." and out[-2].text == "." \
                and out[-2].end == out[-1].pos and out[-1].end == t.pos:
            first = out[-2]
            del out[-2:]
            out.append(Tok("cmd", r"\dots", first.pos, t.end))
            continue
        if _stray_stop(out, t):  # `.…`, `…..`: full stops typed against an ellipsis are part of it
            out[-1] = Tok("cmd", r"\dots", out[-1].pos, t.end)
            continue
        out.append(t)
    return out


def _stray_stop(out: list[Tok], t: Tok) -> bool:
    """Whether `t` and the token before it, touching, are a full stop and an ellipsis."""
    if not out or out[-1].end != t.pos:
        return False
    pair = {out[-1].text, t.text}
    return pair == {".", r"\dots"} and (t.text == "." or out[-1].text == ".")


def _clean(toks: list[Tok]) -> list[Tok]:
    """Drop sizing (\\left, \\big), styling and labels: they carry no meaning here."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text in _SIZING:
            i += 2 if i + 1 < len(toks) and toks[i + 1].text == "." else 1
            continue
        if t.text == "\\\\" and i + 1 < len(toks) and toks[i + 1].text == "[" \
                and toks[i + 1].pos == t.end:  # `\\[10pt]`: the row break's extra space
            close = match_group(toks, i + 1)
            if 0 < close < len(toks) and "".join(x.text for x in toks[i + 2:close]).rstrip(
                    "ptemxcin").replace(".", "").isdigit():
                out.append(t)
                i = close + 1
                continue
        if t.text in (r"\label", r"\tag", r"\hspace", r"\vspace", r"\hspace*"):
            j = i + 1 + (i + 1 < len(toks) and toks[i + 1].text == "*")
            if j < len(toks) and toks[j].text == "{":
                i = match_group(toks, j) + 1
                continue
        if t.text == "*" and out and out[-1].text in (r"\operatorname", r"\tag"):
            i += 1
            continue
        if t.text not in _IGNORED and not (t.kind in ("begin", "end") and t.text in _TRANSPARENT):
            out.append(t)
        i += 1
    return out


# ---- groups ---------------------------------------------------------------------------------

PAIRS = {"{": "}", "(": ")", "[": "]", r"\{": r"\}"}
_CLOSERS = frozenset(PAIRS.values())


def match_group(toks: list[Tok], i: int) -> int:
    """Index of the token closing the group opened at `i`."""
    open_, close = toks[i].text, PAIRS[toks[i].text]
    depth = 0
    for j in range(i, len(toks)):
        depth += (toks[j].text == open_) - (toks[j].text == close)
        if depth == 0:
            return j
    raise LatexError(f"unclosed {open_!r}", toks[i].pos, open_)


def nesting(t: Tok) -> int:
    """+1 for a token opening a group or environment, -1 for one closing it, else 0."""
    if t.text in PAIRS or t.kind == "begin":
        return 1
    if t.text in _CLOSERS or t.kind == "end":
        return -1
    return 0


def split_top(toks: list[Tok], sep: str) -> list[list[Tok]]:
    """Split at `sep` outside any group."""
    parts: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        depth += nesting(t)
        if depth == 0 and t.text == sep:
            parts.append([])
        else:
            parts[-1].append(t)
    return parts


def group_depth(toks: list[Tok], j: int) -> int:
    """Group depth at token `j` (environments not counted)."""
    return sum((t.text in PAIRS) - (t.text in _CLOSERS) for t in toks[:j])


def texts_of(toks: list[Tok]) -> list[str]:
    return [t.text for t in toks]


__all__ = ["LatexError", "Tok", "tokenize", "PAIRS", "match_group", "nesting", "split_top",
           "group_depth", "texts_of"]
