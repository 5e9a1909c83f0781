"""A softmax note's per-class conventions and its slips of notation.

`true_class=k` in the set-up: the note's letter for the correct class of a one-hot target
(`L = -y_k \\log p_k = -\\log p_k`), read as the setting's class index `kt`.
`other_class=j`: its letter for an incorrect class; a claim naming it holds for j ≠ kt only.
`\\frac{\\partial}{o_k}(\\dots)`, an operator whose denominator lacks its ∂, is read as
∂/∂o_k with a note saying so; the ∂ is never guessed anywhere else.
"""
from __future__ import annotations

import ast
import dataclasses
import re
from typing import Any

from .lexer import Tok, texts_of
from .tree import call
from .parens import CLOSED_NOTE, left_open

Parser = Any  # notes.parser.Parser (not imported: the parser imports this module)

CLASS_KEYS = ("true_class", "other_class")
SLIP = re.compile(r"\\d?frac\s*\{\s*\\partial\s*\}\s*\{\s*[A-Za-z\\]")
SLIP_NOTE = ("\\frac{\\partial}{x} read as the operator \\frac{\\partial}{\\partial x} "
             "(the note leaves out the \\partial of the denominator)")


def with_classes(ctx: Any, defaults: dict[str, Any]) -> Any:
    """The context with the note's class letters (`true_class=k other_class=j`)."""
    given = {k: str(defaults.get(k, "")).strip() for k in CLASS_KEYS}
    return dataclasses.replace(ctx, **given) if any(given.values()) else ctx


def class_index(p: Parser, toks: list[Tok]) -> ast.expr | None:
    """The true class's letter as an index: the setting's `kt`."""
    if p.ctx.true_class and len(toks) == 1 and toks[0].text == p.ctx.true_class:
        return ast.Name("kt", ast.Load())
    return None


def condition(sides: tuple[str, ...], when: str, ctx: Any) -> str:
    """The claim's index condition: the display's own, or j ≠ kt when it names the note's
    incorrect class j."""
    if when or not ctx.other_class:
        return when
    j = ctx.other_class
    used = any(isinstance(n, ast.Name) and n.id == j
               for s in sides for n in ast.walk(ast.parse(s, mode="eval")))
    return f"{j} != kt" if used else ""


def bare_operator(p: Parser, num: list[Tok], den: list[Tok], tok: Tok) -> ast.expr | None:
    """`\\frac{\\partial}{o_k}(...)`: ∂/∂o_k of what follows, when the numerator is a lone ∂
    and the denominator one name with its scripts (no ∂ or d of its own)."""
    if texts_of(num) != [r"\partial"] or not den or den[0].kind not in ("let", "cmd") \
            or any(t.text in (r"\partial", "d") or t.kind == "num" and t is den[0]
                   for t in den) or not _one_name(den):
        return None
    return call("diff", p.product(), p.sub(den, tok))


def _one_name(den: list[Tok]) -> bool:
    texts = texts_of(den)
    if texts[0] in (r"\mathbf", r"\boldsymbol", r"\bm"):
        texts = texts[1:]
    return bool(texts) and all(t not in ("+", "-", "=", r"\cdot") for t in texts)


def slip_note(latex: str) -> str:
    """What the reading repaired of the note's LaTeX (said with the claim), or ""."""
    notes = (SLIP_NOTE if SLIP.search(latex) else "", CLOSED_NOTE if left_open(latex) else "")
    return "; ".join(n for n in notes if n)


_BOXED = re.compile(r"\\boxed\s*\{\s*(-?\s*[\d.]+)\s*\}")
BOXED_EXAMPLE = ("the note's numerical example (a vector of numbers drawn as boxes): values at "
                 "its example input, not a general formula")
EXAMPLE = "a value of the note's numerical example: its numbers checked to the stated digits"


def boxed_example(tex: str) -> str | None:
    """`o = \\boxed{2}\\boxed{3}\\boxed{4}`: a row of boxed numbers, the note's example."""
    boxes = re.findall(r"\\boxed\s*\{", tex)
    return BOXED_EXAMPLE if len(boxes) >= 2 and len(_BOXED.findall(tex)) == len(boxes) else None


def example_sides(st: Any) -> list[str]:
    """`L = -\\log(0.245) = 1.406`: after a name, members that are numbers only (functions of
    numbers), one with decimals: a value of the note's example, not the loss's definition.
    Checked as numbers: each step agrees to half a unit of the last decimal its written
    result has (`0.5 - 0.1 \\cdot 0.069 = 0.4931` to ±0.00005); [] otherwise."""
    if st.kind != "equation" or st.error is not None or len(st.members) < 3:
        return []
    numbers = [m.text for m in st.members[1:]]
    trees = [ast.parse(t, mode="eval") for t in numbers]
    for tree in trees:
        called = {id(c.func) for c in ast.walk(tree) if isinstance(c, ast.Call)}
        if any(isinstance(n, ast.Name) and id(n) not in called for n in ast.walk(tree)):
            return []
    if not any(_decimals(t) for t in numbers):
        return []
    steps = [(a, b, _step_tolerance(a, b)) for a, b in zip(numbers, numbers[1:])]
    if len({tol for _, _, tol in steps}) == 1:
        gaps = [f"abs(({a}) - ({b}))" for a, b, _ in steps]
        gap = f"max({', '.join(gaps)})" if len(gaps) > 1 else gaps[0]
        return [f"piecewise((0, {gap} <= {steps[0][2]!r}), (1, True))", "0"]
    gaps = [f"abs(({a}) - ({b})) - {tol!r}" for a, b, tol in steps]
    return [f"piecewise((0, max({', '.join(gaps)}) <= 0), (1, True))", "0"]


def _decimals(text: str) -> list[int]:
    return [len(m.group(1)) for m in re.finditer(r"\d\.(\d+)", text)]


def _step_tolerance(a: str, b: str) -> float:
    """Half a unit of the last decimal of the step's written result (the bare number; of the
    fewest decimals of the two when neither or both are one)."""
    bare = [t for t in (b, a) if re.fullmatch(r"\s*-?\s*\d+(?:\.\d+)?\s*", t)]
    digits = _decimals(bare[0]) if len(bare) == 1 else _decimals(a) + _decimals(b)
    if bare and not digits:  # an integer result: to the decimals of the other side
        digits = _decimals(a) + _decimals(b)
    return 10.0 ** -min(digits) / 2 if digits else 1e-12
