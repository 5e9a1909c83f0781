"""A model of the data: the target as a function of the input plus a noise term.

`y_n = |x_n| + \\epsilon_n` (or `\\mathbf{y} = f(\\mathbf{x}) + \\varepsilon`) says how the
training data were generated, not what the network computes: it is skipped with that reason.
Recognised only as written so: the target `y` (bold or not, with or without one index) alone
on the left, and an ε (`\\epsilon`, `\\varepsilon`, `ε`, with or without the same kind of index)
added as the last term at the top level of the right side.
"""
from __future__ import annotations

import re

DATA_MODEL = ("a model of the data (the target as a function of the input plus a noise term "
              "\u03b5), not a formula of the network: not checked")

_BOLD = r"(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?"
_INDEX = r"(?:\s*\}\s*)?(?:_\s*(?:\{\s*[A-Za-z0-9]+\s*\}|[A-Za-z0-9]))?"
_TARGET = re.compile(r"^\s*" + _BOLD + r"y" + _INDEX + r"\s*=(?!=)")
_NOISE = re.compile(r"\+\s*" + _BOLD + r"(?:\\(?:var)?epsilon(?![A-Za-z])|ε)" + _INDEX
                    + r"\s*[,.;]?\s*$")


def data_model(latex: str) -> str | None:
    """Why `y = f(x) + \\epsilon` is no claim about the network, or None."""
    match = _TARGET.match(latex)
    if not match or not _NOISE.search(latex):
        return None
    right = latex[match.end():_NOISE.search(latex).start()]
    return DATA_MODEL if right.strip() and _balanced(right) and "=" not in right else None


def _balanced(tex: str) -> bool:
    """Whether the ε is added at the top level (not inside a group or a fraction's part)."""
    depth = 0
    for ch in tex:
        depth += (ch in "({[") - (ch in ")}]")
        if depth < 0:
            return False
    return depth == 0


__all__ = ["DATA_MODEL", "data_model"]
