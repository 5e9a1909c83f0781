"""The chain rule as calculus teaches it, through a function's name: `\\frac{dz}{dx} =
\\frac{dz}{dg} \\cdot \\frac{dg}{dx}` for z = f(g(x)).

A derivative by `g` (or f, h) written bare, with no argument and no script anywhere, treats a
function's name as the variable: no quantity of a network is called so, so the statement is
generic calculus, not a claim about the setting (even when its other letters, z or x, are
also the network's).  Recognised only when the whole statement is total derivatives of single
letters joined by `=` and products, and the loss is none of its letters: `\\frac{dL}{dw} =
\\frac{dL}{da}\\frac{da}{dw}` of a scalar network stays a claim.
"""
from __future__ import annotations

import re

_TOTAL = re.compile(r"\\d?frac\s*\{\s*(?:d|\\mathrm\s*\{\s*d\s*\})\s*([A-Za-z])\s*\}\s*"
                    r"\{\s*(?:d|\\mathrm\s*\{\s*d\s*\})\s*([A-Za-z])\s*\}")
_JOINS = re.compile(r"=|\\cdot|\\times|\\,|\\;|\\quad|\s")
_FUNCTIONS = frozenset("fgh")


def chain_through_function(tex: str, loss: str, mapped: frozenset[str]) -> bool:
    """Whether `tex` is the Leibniz chain rule through a bare function name (dz/dg)."""
    pairs = _TOTAL.findall(tex)
    if len(pairs) < 2 or _JOINS.sub("", _TOTAL.sub("", tex)) or "=" not in tex:
        return False
    letters = {x for pair in pairs for x in pair}
    by_function = {v for _, v in pairs} & _FUNCTIONS
    return bool(by_function) and loss not in letters and not letters & mapped


_ANY = re.compile(r"\\d?frac\s*\{\s*(?:d|\\partial|\\mathrm\s*\{\s*d\s*\})\s*([A-Za-z])\s*\}\s*"
                  r"\{\s*(?:d|\\partial|\\mathrm\s*\{\s*d\s*\})\s*([A-Za-z])\s*\}")


def chain_through_unknown(tex: str, loss: str, names: frozenset[str]) -> bool:
    """`\\frac{\\partial y}{\\partial x} = \\frac{\\partial y}{\\partial u}
    \\frac{\\partial u}{\\partial x}` through a letter u that is no symbol of the setting:
    the chain rule of calculus for generic variables (never when the loss is one of its
    letters)."""
    pairs = _ANY.findall(tex)
    if len(pairs) < 3 or _JOINS.sub("", _ANY.sub("", tex).replace("\\ ", "")) or "=" not in tex:
        return False
    letters = {x for pair in pairs for x in pair}
    middle = {v for _, v in pairs} & {u for u, _ in pairs[1:]}
    return loss not in letters and bool(middle - names)
