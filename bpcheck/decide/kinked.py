"""Can a claim meet kinks (ReLU, step, |·|, max ties, piecewise)?  A cheap static test
of its text, which decides whether sample points must avoid the kinks."""
from __future__ import annotations

import ast
import re

from ..model import Claim, Setting

KINKED_WORDS = ("relu", "step", "abs", "max", "min", "piecewise", "maxpool", "argmax_mask",
                "leaky_relu", "elu")
KINKED_ACTIVATIONS = ("relu", "leaky_relu", "elu")

MAX_MEMO = 4096


def is_kinked(claim: Claim) -> bool:
    """Can the claim contain ReLU/step/|·|/max/piecewise atoms? (a cheap static test)"""
    key = (claim.setting, claim.sides)
    if key not in _KINKED:
        if len(_KINKED) >= MAX_MEMO:
            _KINKED.clear()
        _KINKED[key] = _kinked_text(claim)
    return _KINKED[key]


_KINKED: dict[tuple, bool] = {}


def _kinked_text(claim: Claim) -> bool:
    return kinked_setting(claim.setting) or any(
        re.search(rf"\b{w}\s*\(", t) for t in claim.sides for w in KINKED_WORDS)


def kinked_setting(s: Setting) -> bool:
    """Does the setting itself bring kinks (a ReLU layer, a kinked definition)?"""
    if s.get("activation") in KINKED_ACTIVATIONS or s.get("output") in KINKED_ACTIVATIONS:
        return True
    texts = [t for _, t in (s.get("define", ()) or ())]
    return any(re.search(rf"\b{w}\s*\(", t) for t in texts for w in KINKED_WORDS)


def kinked_trees(setting: Setting, trees: list[ast.Expression]) -> bool:
    """`is_kinked` for parsed sides: a call of a kinked function in any of them."""
    return kinked_setting(setting) or any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in KINKED_WORDS
        for t in trees for n in ast.walk(t))
