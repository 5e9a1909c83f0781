"""How a note writes what a corrected formula must write the same way (`typeset.style`):
its layer marks (`W^{[l]}`, `W^{(l)}`, `W^l`), entrywise product (`\\odot`, `\\circ`),
transpose (`^\\top`, `^T`, `^\\intercal`, `^{\\mathsf T}`) and activation derivative
(`\\sigma'`, `f'`): the form its display formulas use most, else the printer's own."""
from __future__ import annotations

import re
from typing import Iterable

_LAYERED = r"(?:W|b|z|a|\\delta|δ|\\mathbf\{[Wbza]\}|\\boldsymbol\{?\\?[a-z]+\}?)"
_LAYERS = {"bracket": re.compile(_LAYERED + r"\s*\^\s*\{\s*\["),
           "paren": re.compile(_LAYERED + r"\s*\^\s*\{?\s*\("),
           "plain": re.compile(_LAYERED + r"\s*\^\s*\{?\s*(?:l|L|l\s*[-+]\s*1)\s*\}?(?![\w(\[])")}
_PRODUCTS = {r"\odot": re.compile(r"\\odot|⊙"), r"\circ": re.compile(r"\\circ\b|∘")}
_TRANSPOSES = {r"\top": re.compile(r"\\top\b|⊤"),
               "T": re.compile(r"(?:\^\s*\{?\s*|[\])]\s*)T\b"),
               r"\intercal": re.compile(r"\\intercal"),
               r"\mathsf{T}": re.compile(r"\\mathsf\s*\{?\s*T")}
# the last layer written L (`W^{[L]}`), even where the loss is L too and the depth is named D
_DEPTHS = {"L": re.compile(_LAYERED + r"\s*\^\s*\{?\s*[\[(]?\s*L\b")}
_PRIMES = {"f": re.compile(r"\bf\s*(?:'|\^\s*\{?\\prime)"),
           r"\sigma": re.compile(r"(?:\\sigma|σ)\s*(?:'|′|\^\s*\{?\\prime)")}


def note_notation(displays: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(key, value) pairs of the note's notation, from the TeX of its display formulas."""
    text = "\n".join(displays)
    out = []
    for key, forms in (("layers", _LAYERS), ("product", _PRODUCTS),
                       ("transpose", _TRANSPOSES), ("prime", _PRIMES), ("depth", _DEPTHS)):
        counts = {value: len(rx.findall(text)) for value, rx in forms.items()}
        best = max(counts, key=lambda v: counts[v])
        if counts[best]:
            out.append((key, best))
    return tuple(out)
