"""LaTeX of backprop notes -> bpcheck's formula language (text), and back.

`statements(tex, ctx)` reads a display formula as the statements it makes (equations,
inequalities, approximations, shapes, updates, ranges, remarks; none dropped), and
`equations(tex, ctx)` splits a display formula into chains (`A = B = C`, align
rows `&= ...`) and translates each member with a tokenizer and a recursive-
descent parser for the LaTeX that backprop notes use.  The parser builds a
Python `ast` tree that is only ever *unparsed* to text, never compiled or run;
`catalog.formula.parse` then checks that text like any catalog formula.  A construct
outside the subset raises `LatexError` naming it and its offset.
`formula_to_latex(text)` goes the other way, for corrected forms.

The stages live in their own modules: `lexer` (tokens), `parser` and `notation`
(the parser), `equations` (chains), `context` (what symbols mean, index ranges) and
`typeset.roundtrip` (the printer); this module names
what the rest of bpcheck uses.
"""
from __future__ import annotations

from ..typeset.roundtrip import LAYERED, formula_to_latex
from .context import NETWORK, TexContext, context_for, infer_range
from .equations import Member, equations, translate
from .lexer import LatexError, tokenize
from .macros import Macro, macros_in
from .statements import Statement, statements

__all__ = ["LatexError", "TexContext", "Member", "NETWORK", "context_for", "equations",
           "translate", "infer_range", "formula_to_latex", "tokenize", "LAYERED", "Statement",
           "statements", "Macro", "macros_in"]
