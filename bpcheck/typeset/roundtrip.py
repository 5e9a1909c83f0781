"""Formula text -> LaTeX, for corrected forms: `translate` reads it back to the same formula.

There is one printer: the reports' (`typeset.boxes` decides the brackets, `typeset.printers`
writes the LaTeX), here in its strict mode, where text outside the formula language is
refused (ValueError) rather than shown verbatim.  The text is only parsed, never run.
"""
from __future__ import annotations

from .boxes import NETWORK_LAYERED
from ..model import Setting
from .printers import to_latex

# Names whose first subscript is a layer (W[l] -> W^{(l)}).  The notes' reader takes
# x^{(l)} as x[l] (and x_j as the input a^{(0)}_j), so x is layered here too.
LAYERED = NETWORK_LAYERED | {"x"}


def formula_to_latex(text: str, setting: Setting | None = None,
                     layered: frozenset[str] = LAYERED) -> str:
    """LaTeX for formula text (corrected forms), read by `translate` back to the same formula.

    `layered`: names whose first subscript is a layer; in a scalar `setting` there are
    none, and `z[i]` is an entry (z_{i}).
    """
    if setting is not None and setting.kind != "network":
        layered = frozenset()
    return to_latex(text, layered, strict=True)
