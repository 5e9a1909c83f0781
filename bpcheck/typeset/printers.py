"""Formula text as mathematics: LaTeX for Markdown, Presentation MathML for HTML.

Both printers read the same box tree (`typeset.boxes`), so `diff(J, W[l])` is
∂J/∂W⁽ˡ⁾ whatever the network's size, and both outputs say the same thing.  The
LaTeX printer is also the one for corrected forms pasted back into notes
(`typeset.roundtrip.formula_to_latex`): `notes.latex.translate` reads it back to the same formula.
"""
from __future__ import annotations

import ast
import re
from html import escape

from ..catalog.formula import normalise
from .boxes import NETWORK_LAYERED, Box, contains, formula_box, ident, name_box, sub, sup


# ---- printers -----------------------------------------------------------------------------

def latex_of(b: Box) -> str:
    kind = b[0]
    if kind in ("i", "o"):
        return b[1]
    if kind == "space":
        return ""
    if kind == "n":
        return b[1]
    if kind == "t":
        return r"\text{" + re.sub(r"[\\{}#$%&^_~]", lambda m: TEX_ESCAPES[m.group()], b[1]) + "}"
    if kind == "row":
        return _join([latex_of(x) for x in b[1]])
    if kind == "frac":
        return rf"\frac{{{latex_of(b[1])}}}{{{latex_of(b[2])}}}"
    if kind == "sup":
        return f"{_base(b[1])}^{{{latex_of(b[2])}}}"
    if kind == "sub":
        return f"{_base(b[1])}_{{{latex_of(b[2])}}}"
    if kind == "subsup":
        return f"{_base(b[1])}^{{{latex_of(b[3])}}}_{{{latex_of(b[2])}}}"
    if kind == "sqrt":
        return rf"\sqrt{{{latex_of(b[1])}}}"
    if kind == "fence":
        o, c = FENCE_OPEN.get(b[1], b[1]), FENCE_CLOSE.get(b[2], b[2])
        if _tall(b[3]) or not o:
            return rf"\left{o} {latex_of(b[3])} \right{c}"
        return _join([o if b[1] else "", latex_of(b[3]), c])
    if kind == "uo":
        return f"{latex_of(b[1])}_{{{latex_of(b[2])}}}^{{{latex_of(b[3])}}}"
    if kind == "hat":
        return rf"\hat{{{latex_of(b[1])}}}"
    if kind == "table":
        body = " \\\\\n".join(" & ".join(latex_of(c) for c in r) for r in b[1])
        return rf"\begin{{{b[2]}}}" + "\n" + body + "\n" + rf"\end{{{b[2]}}}"
    raise ValueError(f"unknown box {kind!r}")


TEX_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$",
               "%": r"\%", "&": r"\&", "^": r"\^{}", "_": r"\_", "~": r"\~{}"}
FENCE_OPEN = {"|": r"\lvert", "‖": r"\lVert", "": "."}
FENCE_CLOSE = {"|": r"\rvert", "‖": r"\rVert"}


def _tall(b: Box) -> bool:
    """Does a box hold a fraction, a big operator or a table (so fences must stretch)?"""
    return contains(b, lambda x: x[0] in ("frac", "uo", "table", "sqrt"))


def _base(b: Box) -> str:
    text = latex_of(b)
    return text if b[0] in ("i", "n", "fence", "hat") else "{" + text + "}"


def _join(parts: list[str]) -> str:
    """Concatenate LaTeX, spacing only where a control word would run into a letter."""
    out = ""
    for p in filter(None, parts):
        if out and p[0].isalpha() and re.search(r"\\[A-Za-z]+$", out):
            out += " "
        elif out and (p in SPACED or out.endswith(SPACED)):
            out += " "
        out += p
    return out


SPACED = (r"\odot", r"\otimes", r"\cdot", r"\le", r"\ge", r"\ne", r"\wedge", r"\vee", "&")


def mathml_of(b: Box) -> str:
    kind = b[0]
    if kind == "i":
        attr = ' mathvariant="normal"' if b[3] == "normal" and len(b[2]) == 1 else ""
        return f"<mi{attr}>{escape(b[2])}</mi>"
    if kind == "n":
        return f"<mn>{escape(b[1])}</mn>"
    if kind == "o":
        return f"<mo>{escape(b[2])}</mo>"
    if kind == "t":
        return f"<mtext>{escape(b[1])}</mtext>"
    if kind == "row":
        return "<mrow>" + "".join(mathml_of(x) for x in b[1]) + "</mrow>"
    tags = {"frac": "mfrac", "sup": "msup", "sub": "msub", "subsup": "msubsup",
            "sqrt": "msqrt", "uo": "munderover"}
    if kind in tags:
        return f"<{tags[kind]}>" + "".join(mathml_of(x) for x in b[1:]) + f"</{tags[kind]}>"
    if kind == "fence":  # stretch only around tall content, as \\left( ... \\right) does
        mo = "<mo>" if _tall(b[3]) else '<mo stretchy="false">'
        open_ = f"{mo}{escape(b[1])}</mo>" if b[1] else ""
        return f"<mrow>{open_}{mathml_of(b[3])}{mo}{escape(b[2])}</mo></mrow>"
    if kind == "space":
        return '<mspace width="0.17em"/>'
    if kind == "hat":
        return f'<mover accent="true">{mathml_of(b[1])}<mo>^</mo></mover>'
    if kind == "table":
        rows = "".join("<mtr>" + "".join(f"<mtd>{mathml_of(c)}</mtd>" for c in r) + "</mtr>"
                       for r in b[1])
        o, c = ("{", "") if b[2] == "cases" else ("(", ")")
        close = f"<mo>{c}</mo>" if c else ""
        return f"<mrow><mo>{o}</mo><mtable>{rows}</mtable>{close}</mrow>"
    raise ValueError(f"unknown box {kind!r}")


# ---- public API ----------------------------------------------------------------------------

def to_latex(text: str, layered: frozenset[str] = frozenset(), strict: bool = False) -> str:
    """LaTeX for a formula; text outside the formula language is shown verbatim, or, when
    `strict`, refused (ValueError, SyntaxError)."""
    return latex_of(formula_box(text, layered, strict))


def math_element(inner: str, display: bool = False) -> str:
    mode = "block" if display else "inline"
    return (f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{mode}">'
            f"{inner}</math>")


def to_mathml(text: str, layered: frozenset[str] = frozenset(), display: bool = False,
              lead: str = "") -> str:
    """A <math> element for a formula; `lead` (e.g. "=") is an operator put before it."""
    inner = mathml_of(formula_box(text, layered))
    if lead:
        inner = f"<mrow><mo>{escape(lead)}</mo>{inner}</mrow>"
    return math_element(inner, display)


_SYMBOL = re.compile(r"(\\?[A-Za-z]+|[A-Za-z][A-Za-z0-9]*)(?:\^\{([^{}]*)\})?(?:_\{([^{}]*)\})?")


def symbol_mathml(latex: str) -> str:
    """MathML for a symbol name as SymPy prints it: x, x_{1}, W^{(1)}_{21}, \\sigma."""
    m = _SYMBOL.fullmatch(latex)
    if not m:
        return math_element(f"<mtext>{escape(latex)}</mtext>")
    base, up, down = m.groups()
    b = ident(base[1:]) if base.startswith("\\") else name_box(base)
    if up:
        b = sup(b, ("i", up, up, "normal"))
    if down:
        b = sub(b, ("i", down, down, "normal") if not down.isdigit() else ("n", down))
    return math_element(mathml_of(b))


def is_formula(text: str) -> bool:
    """Is `text` in the formula language (rather than prose)?"""
    try:
        ast.parse(normalise(text).strip(), mode="eval")
    except SyntaxError:
        return False
    return True


def eq_latex(sides: list[str], layered: frozenset[str] = frozenset()) -> str:
    return " = ".join(to_latex(s, layered) for s in sides)


def eq_mathml(sides: list[str], layered: frozenset[str] = frozenset(),
              display: bool = False) -> str:
    """Sides joined by = as one <math> element."""
    parts = [mathml_of(formula_box(s, layered)) for s in sides]
    return math_element("<mrow>" + "<mo>=</mo>".join(parts) + "</mrow>", display)


def chain_latex(sides: list[str], marks: list[str], layered: frozenset[str]) -> list[str]:
    """A = B = C as an aligned display, one row and mark per link; \\\\ only at line ends
    (GitHub keeps it there and nowhere else)."""
    rows = []
    for k, side in enumerate(sides[1:]):
        lead = to_latex(sides[0], layered) + " " if k == 0 else ""
        mark = r"\text{" + (marks[k] if k < len(marks) else "?") + "}"
        end = " \\\\" if k < len(sides) - 2 else ""
        rows.append(f"{lead}&= {to_latex(side, layered)} && {mark}{end}")
    return ["\\begin{aligned}", *rows, "\\end{aligned}"]


__all__ = ["NETWORK_LAYERED", "latex_of", "mathml_of", "to_latex", "to_mathml", "math_element",
           "symbol_mathml", "is_formula", "eq_latex", "eq_mathml", "chain_latex"]
