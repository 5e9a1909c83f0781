"""Functions a note defines by their map or signature, and the lemmas about them.

Matrix-calculus sections introduce helper maps: `G: X \\mapsto X \\cdot W` with its signature
`G: \\mathbb R^{m \\times n} \\to \\mathbb R^{m \\times p}`, then derive `df/dX` through G.  A
display of such definitions only is skipped with its reason; a later display that names a
map so defined (a letter that is no symbol of the setting) is a statement about that generic
map, not about the network, and is skipped as such.  A map named like a symbol of the setting
(the loss f, the activation g) never makes a display generic.
"""
from __future__ import annotations

import re

from .context import TexContext
from .lexer import tokenize

MAP = "a function defined by its map or signature (G: X ↦ ..., G: ℝ^m → ℝ^n), not a claim"
GENERIC_MAP = "a statement about a map the note defines ({}: X ↦ ...), not about the network"

_ROW = re.compile(r"\\\\(?:\[[^\]]*\])?")
_FRAME = re.compile(r"\\(?:begin|end)\s*\{[a-z]+\*?\}|\\(?:tag|label)\s*\{[^{}]*\}|&|"
                    r"\\nonumber|\\notag|\\(?:text|textrm|mbox)\s*\{[^{}]*\}|[.,;]\s*$")
_HEAD = r"(?:\\[A-Za-z]+|[A-Za-z])(?:_\{?[A-Za-z0-9]\}?)?\s*:(?!=)"
_ONE = re.compile(_HEAD + r"[^:]*?(?:\\mapsto|\\to\b|\\rightarrow|→|↦)")
_DEFINED = re.compile(r"(?<![\\A-Za-z])([A-Za-z])\s*:(?!=)[^:$\n]*?(?:\\mapsto|\\to\b|→|↦)")


def map_display(tex: str) -> bool:
    """Every row of the display defines functions by a map or a signature."""
    rows = [_FRAME.sub(" ", r).strip() for r in _ROW.split(tex)]
    rows = [r for r in rows if r]
    return bool(rows) and all(_only_maps(r) for r in rows)


def _only_maps(row: str) -> bool:
    """`G:X\\mapsto X W` or `g:\\mathbb R\\to\\mathbb R, G: ...` (several, by commas)."""
    parts = re.split(r",\s*(?=" + _HEAD + ")", row)
    return all(re.match(_HEAD, p.strip()) and _ONE.match(p.strip()) for p in parts)


def defined_maps(text: str, end: int, ctx: TexContext) -> frozenset[str]:
    """Letters defined as maps in the page before `end` that are no symbol of the setting."""
    own = ctx.names | {ctx.loss, ctx.activation_symbol, "f", "g"} | set(ctx.functions)
    return frozenset(m.group(1) for m in _DEFINED.finditer(text[:end])) - own


def map_remark(tex: str, text: str, end: int, ctx: TexContext) -> str | None:
    """Why a display is about a map the note defined (GENERIC_MAP), or None."""
    maps = defined_maps(text, end, ctx) if ":" in text[:end] else frozenset()
    if not maps:
        return None
    try:
        letters = {t.text for t in tokenize(tex) if t.kind == "let"}
    except Exception:  # a lexer error: the caller reports it
        return None
    used = sorted(letters & maps)
    return GENERIC_MAP.format(used[0]) if used else None
