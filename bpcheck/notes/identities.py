"""Identities of the setting's own functions, as notes state them with no derivative.

A softmax note shows that adding a constant to every input changes nothing:
`s(\\mathbf x + c)_i = \\frac{e^{x_i + c}}{\\sum e^{x_j + c}} = \\frac{e^{x_i}}{\\sum e^{x_j}}`.
Three things make it readable:

- the note's name for the output (`names=s:a`) applied to something else than its own input
  is the output's function applied to it (softmax(z + c)), never that quantity times a
  bracket;
- a letter its words introduce right before the display as a constant or scalar
  (`a constant $c$`, `any scalar $t$`) is a free real number there, not an error;
- an equation with no derivative whose first member applies one of the setting's functions
  to an expression (not to the quantity's own input) claims an identity: it is decided like
  any claim, so a wrong step is refuted.
"""
from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Any

from .lexer import Tok, tokenize

_FUNCTIONS = {"softmax": r"\mathrm{softmax}", "sigmoid": r"\mathrm{sigmoid}",
              "tanh": r"\tanh", "relu": r"\mathrm{ReLU}"}
# `a constant $c$`, `any scalar $t$`, `some real number \(c\)`: a free scalar of the display
_SCALAR = re.compile(r"\b(?:constant|scalar|real number)\s+(?:\$\$?|\\\()\s*([A-Za-z])\s*"
                     r"(?:\$\$?|\\\))")
_LAST_DISPLAY = re.compile(r"</script>|\\\]|\\end\{[A-Za-z]+\*?\}|^[ \t]*\$\$[ \t]*$", re.M)
_OPENER = re.compile(r"(?:\$\$|\\\[|<script[^>]*>|\\begin\{[A-Za-z]+\*?\})\s*\Z")
_NETWORK_LETTERS = set("WwbBzZaAxXyYLJCEnmNlijkdeTfg")


def applied_functions(named: dict[str, list[Tok]], setting: Any) -> dict[str, list[Tok]]:
    """For each of the note's names of the output layer's activation (`names=s:a` in a
    one-layer note, `p:a^{[L]}`), the output function's LaTeX, used when the name is applied
    to something else than its own input."""
    widths = setting.get("widths", ()) or ()
    top = len(widths) - (1 if setting.get("numbering", "standard") == "standard" else 0)
    depth = str(setting.get("depth_symbol", "L"))
    function = _FUNCTIONS.get(str(setting.get("output", "") or setting.get("activation", "")))
    if function is None:
        return {}
    out = {}
    for name, toks in named.items():
        texts = [t.text for t in toks if t.text not in ("{", "}", "[", "]", "(", ")")]
        if not texts or texts[0] != "a":
            continue
        layer = texts[2] if len(texts) == 3 and texts[1] == "^" else \
            str(setting.get("unmarked", "")).strip() if len(texts) == 1 else None
        if layer in (depth, str(top)):
            out[name] = tokenize(function)
    return out


def stated_scalars(text: str, offset: int) -> tuple[str, ...]:
    """The letters the words between the display before and this one introduce as a
    constant or a scalar (never one of the network's own letters)."""
    opener = _OPENER.search(text, 0, offset)
    offset = opener.start() if opener else offset
    start = max(0, offset - 2000)  # the paragraph before: never the whole page per display
    ends = [m.end() for m in _LAST_DISPLAY.finditer(text, start, offset)]
    words = text[ends[-1] if ends else start:offset]
    return tuple(dict.fromkeys(m.group(1) for m in _SCALAR.finditer(words)
                               if m.group(1) not in _NETWORK_LETTERS))


def with_scalars(setting: Any, ctx: Any, letters: tuple[str, ...]) -> tuple[Any, Any]:
    """The setting and context with `letters` as extra real scalars (`symbols=`)."""
    new = [x for x in letters if x not in ctx.names]
    if not new:
        return setting, ctx
    params = dict(setting.params)
    params["symbols"] = tuple(params.get("symbols", ()) or ()) + tuple(new)
    setting = replace(setting, params=tuple(sorted(params.items())))
    return setting, replace(ctx, names=ctx.names | frozenset(new))


def is_identity(texts: list[str]) -> bool:
    """Whether an equation's first member applies one of the setting's functions to an
    expression (softmax(z[1] + c)[i]): an identity of the function, a claim."""
    try:
        tree = ast.parse(texts[0], mode="eval")
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
               and n.func.id in _FUNCTIONS and n.args and isinstance(n.args[0], ast.BinOp)
               for n in ast.walk(tree))
