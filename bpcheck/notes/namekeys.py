"""The names a note's set-up may map (`names=L1:a^{(0)},\\theta_1:W^{(1)}`), and where a
display writes them.

A name is a letter or a few (`p`, `L1`, `Lout`, with digits after them), a command
(`\\theta`, `\\Theta`, `\\ell`), or either under one accent or style (`\\hat{y}`, `\\hat y`,
`\\mathbf{W}`, `\\boldsymbol\\theta`); after it a subscript and a superscript, each at most
once, in either order (`\\theta_1`, `\\Theta^{(1)}`, `W_{out}`, `y^*`, `a_{\\text{in}}`).
A display writes a name with or without braces around a one-token script or accent body
(`\\theta_{1}` is `\\theta_1`, `\\hat y` is `\\hat{y}`): both are matched.
"""
from __future__ import annotations

import re
from typing import Any

_STYLE = r"\\(?:hat|bar|tilde|vec|dot|mathbf|boldsymbol|bm|mathcal|mathit|mathrm|mathsf|mathbb)"
_BASE = r"(?:[A-Za-z]+\d*|\\[A-Za-z]+)"
_STYLED = rf"(?:{_STYLE}\s*(?:\{{\s*{_BASE}\s*\}}|\s+[A-Za-z]|\s*\\[A-Za-z]+)|{_BASE})"
_WORD = r"\\(?:text|textrm|mathrm|rm|mathit|textit)\s*(?:\{\w+\}|\s\w+)"
_BODY = rf"(?:[\w()\[\],+\-]+|\*|\\ast|\\star|\\[A-Za-z]+|{_WORD})"
_SCRIPT = rf"(?:\{{\s*{_BODY}\s*\}}|\w|\*|\\[A-Za-z]+)"
_SUB, _SUP = rf"_\s*{_SCRIPT}", rf"\^\s*{_SCRIPT}"
NAME = re.compile(rf"\s*{_STYLED}\s*(?:{_SUB}\s*(?:{_SUP})?|{_SUP}\s*(?:{_SUB})?)?\s*")


def is_name(text: str) -> bool:
    """Whether `text` is a name a note may map (see the module)."""
    return NAME.fullmatch(text) is not None


def entries(raw: str) -> list[str]:
    """The `name:LaTeX` entries of a names= value (commas inside braces kept)."""
    return [i for i in re.split(r",(?![^{]*\})", raw) if i.strip()]


def bad_entry(raw: Any) -> str:
    """What is wrong with the first bad entry of a names= value ('' when all are good)."""
    if not isinstance(raw, str) or not entries(raw):
        return "write the note's names as name:LaTeX pairs, e.g. names=p:a^{[L]}"
    for item in entries(raw):
        name, sep, latex = item.partition(":")
        if not sep or not latex.strip():
            return f"entry {item.strip()!r} is not a name:LaTeX pair, e.g. p:a^{{[L]}}"
        if not is_name(name):
            return (f"entry {item.strip()!r}: {name.strip()!r} is not a name (a letter or a few, "
                    "\\theta, \\hat{y}, \\mathbf{W}, with a subscript or superscript)")
    return ""


def canonical(texts: list[str]) -> list[str]:
    """Token texts with the braces around each one-token group dropped (`_{1}` -> `_1`)."""
    out: list[str] = []
    i = 0
    while i < len(texts):
        if texts[i] == "{" and i + 2 < len(texts) and texts[i + 2] == "}" \
                and texts[i + 1] not in ("{", "}"):
            out.append(texts[i + 1])
            i += 3
        else:
            out.append(texts[i])
            i += 1
    return out


def match_length(toks: list[Any], k: int, key: tuple[str, ...]) -> int:
    """How many tokens from `k` write the name whose canonical texts are `key` (0: none)."""
    j = k
    for text in key:
        if j < len(toks) and toks[j].text == text:
            j += 1
        elif j + 2 < len(toks) and toks[j].text == "{" and toks[j + 1].text == text \
                and toks[j + 2].text == "}":
            j += 3
        else:
            return 0
    return j - k
