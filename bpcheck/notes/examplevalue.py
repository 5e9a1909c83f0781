"""The loss of a worked example at the target value its words state.

"Since $y = 0$, the loss simplifies to $$L = -\\log(1 - a_2)$$": the display is the loss of
the note's own example, its target's value put in, not the loss of the setting (whose target
is any).  Read as the loss's definition it would disagree with the setting and leave every
later claim about the loss unjudged.  It is skipped with that reason, only when the words
right before the display state a letter's value as a number in inline maths (`y = 0`) and
that letter, the target, is gone from the loss's right side.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from .prose import _INLINE, free_names, words_before

_VALUE = re.compile(r"\s*([A-Za-z])\s*=\s*(-?\d+(?:\.\d+)?)\s*")
_TARGETS = {"y", "t"}
AT_VALUE = ("the loss of the note's worked example at the target value its words state "
            "({stated}), not the setting's loss (whose target is any): not checked")


def at_stated_value(sts: list[Any], text: str, offset: int, loss: str) -> list[Any]:
    """The statements, the loss's definition at a stated target value skipped as such."""
    stated = _stated(text, offset)
    if not stated:
        return sts
    out = list(sts)
    for k, st in enumerate(sts):
        if st.kind == "equation" and st.error is None and st.members \
                and st.members[0].text == loss and stated[0] not in free_names(
                    m.text for m in st.members[1:]):
            out[k] = dataclasses.replace(st, kind="example", reason=AT_VALUE.format(
                stated=f"{stated[0]} = {stated[1]}"))
    return out


def _stated(text: str, offset: int) -> tuple[str, str] | None:
    """The target letter and its value the words right before the display state, or None."""
    for m in _INLINE.finditer(words_before(text, offset)):
        maths = next(g for g in m.groups() if g is not None)
        v = _VALUE.fullmatch(maths)
        if v and v.group(1) in _TARGETS:
            return v.group(1), v.group(2)
    return None
