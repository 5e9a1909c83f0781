"""A sample and a layer in one superscript.

A batch note with a sample letter (samples=p) may write both in one superscript, the sample
first or last: `x^{(p,3)}`, `a^{(2,i)}` (layer 2 of sample i), or give a mapped name a
sample (`\\hat{p}^{(p)}_k` with names=\\hat{p}:a^{(3)} reads `a^{(3)}` then `^{(p)}`).
Both mean the same as `a^{(3)(p)}`: the layer's value for that sample.  Only a pair whose
other part is a layer (a number, a layer letter, l+1) is read so; anything else is left to
the reader as it is.
"""
from __future__ import annotations

import ast
from typing import Any

from .lexer import Tok
from .tree import call


def _texts(toks: list[Tok]) -> list[str]:
    return [t.text for t in toks if t.text not in ("{", "}")]


def is_sample(p: Any, sup: list[Tok]) -> bool:
    """`(p)` with p one of the note's sample letters (samples=p)."""
    texts = _texts(sup)
    return len(texts) == 3 and texts[0] == "(" and texts[2] == ")" and texts[1] in p.ctx.samples


def layer_then_sample(p: Any, sup: list[Tok]) -> list[Tok] | None:
    """`(p,3)` or `(3,p)` (p a sample letter, 3 a layer) as `(3)(p)`; else None."""
    toks = [t for t in sup if t.text not in ("{", "}")]
    if len(toks) < 5 or toks[0].text != "(" or toks[-1].text != ")":
        return None
    inner = toks[1:-1]
    commas = [k for k, t in enumerate(inner) if t.text == ","]
    if len(commas) != 1:
        return None
    first, second = inner[:commas[0]], inner[commas[0] + 1:]
    if len(first) == 1 and first[0].text in p.ctx.samples:
        sample, layer = first, second
    elif len(second) == 1 and second[0].text in p.ctx.samples:
        sample, layer = second, first
    else:
        return None
    opened, closed = toks[0], toks[-1]
    wrapped = [opened, *layer, closed]
    if not layer or not p.layer_like(wrapped):
        return None
    return wrapped + [opened, *sample, closed]


def sample_of(p: Any, value: ast.expr, sup: list[Tok] | None) -> tuple[ast.expr, list[Tok] | None]:
    """`(a^{(3)})^{(p)}` (a value, then a sample superscript): (sample p of the value, no
    superscript left); else (value, sup) as they are."""
    if sup is None or not p.ctx.batch_size or not is_sample(p, sup):
        return value, sup
    letter = _texts(sup)[1]
    return call("column", value, ast.Name(letter, ast.Load())), None
