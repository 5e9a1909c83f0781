"""Constructs of tutorials that write a small network entry by entry.

A sum's upper limit `m` (`\\sum_{j=1}^m w_{ij} a_j`) is, like `n`, the width of the layer its
index runs over when the setting has no batch (then `m` counts samples); the size itself is
taken from what the index indexes, never from the letter.
"""
from __future__ import annotations

import re
from typing import Any

from .lexer import Tok, texts_of

Parser = Any  # notes.parser.Parser (not imported: the parser imports this module's users)


def width_bound(p: Parser, sup: list[Tok]) -> bool:
    """Whether a sum's upper limit is a bare width letter: `n`, or `m` in a setting with no
    batch where the note does not name `m` itself."""
    texts = [t for t in texts_of(sup) if t not in ("{", "}")]
    if texts == ["n"]:
        return True
    return texts == ["m"] and not p.ctx.batch and not p.ctx.batch_size \
        and "m" not in p.ctx.names


DATASET = ("a sum over the training examples (\\forall x), each with its own cost: the setting "
           "is one example; not checked")
_OVER_DATASET = re.compile(r"\\sum\s*_\s*\{?\s*(?:\\forall|∀)\s*\\?[A-Za-z]+\s*\}?")


def dataset_remark(latex: str) -> str | None:
    """`C = \\frac{1}{n}\\sum_{\\forall x} C_x`: the cost over a training set, a quantity a
    one-example setting does not have (said, never checked against the example's cost)."""
    return DATASET if _OVER_DATASET.search(latex) else None
