"""A layer's width under the note's own letter: `width_symbol=d` in the set-up line makes
`d_\\ell`, `d_{\\ell-1}`, `d_0`, `d_L` the widths n_l, n_{l-1}, n_0, n_L (as notes that keep
n for the sample index write them, `W^{(\\ell)} \\in \\mathbb{R}^{d_\\ell \\times d_{\\ell-1}}`).
A key of the defaults line only; the letter is read exactly where n_l would be.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

KEYS = ("width_symbol",)
# letters that already mean something in a network setting: never a width's name
_TAKEN = {"W", "w", "b", "z", "a", "x", "y", "L", "l", "e", "f", "g"}


def key_problem(key: str, raw: Any) -> str:
    """What is wrong with `width_symbol=...` ("" when nothing is)."""
    text = str(raw).strip()
    if not re.fullmatch(r"[A-Za-z]", text) or text in _TAKEN:
        return (f"{key}={text}: the note's letter for a layer's width, one letter that is not "
                f"{', '.join(sorted(_TAKEN))} (e.g. width_symbol=d)")
    return ""


def with_width(ctx: Any, defaults: dict[str, Any]) -> Any:
    """The context (a context.TexContext) with the note's width letter, if it names one."""
    letter = str(defaults.get("width_symbol", "")).strip()
    return dataclasses.replace(ctx, width_symbol=letter) if letter else ctx
