"""Worked numerical examples: a chain that goes on from symbols to the example's numbers.

`z_1 = x \\cdot w_1 = 1.0 \\cdot 0.5 = 0.5` says three things: the formula `z_1 = x w_1` (a
definition or claim of the setting, read as usual), the example's values put in
(`x \\cdot w_1 = 1.0 \\cdot 0.5`: the note's numbers, which the setting does not have: said,
not checked), and the arithmetic `1.0 \\cdot 0.5 = 0.5`, checked as numbers to the digits
written (classes.example_sides).  Read as one chain, the numbers would make the formula a
definition that contradicts the setting, or a claim refuted by the example's values.

Only a display that computes with decimals (a number written with a decimal point) is a
worked example.  The chain must leave the symbols for good: members after the first one with
numbers are numbers only (functions of numbers, `\\sigma(0.25)`) or symbols with numbers put
in (`0.138 \\cdot a_1`); a member of symbols alone after them is no example.  In such a
display, a derivative or quantity equal to a number alone (`\\frac{da_1}{dz_1} = 1`,
`\\hat y = \\sigma(0.5)`) is the value at the example's point, skipped as such.
"""
from __future__ import annotations

import ast
import dataclasses
import re

from typing import Any

Statement = Any  # statements.Statement (not imported: statements imports this module)

_DECIMAL = re.compile(r"\d\.\d")
NUMBER, FILLED, SYMBOLIC = "number", "filled", "symbolic"
FILLED_IN = ("the note's worked example: its numbers put in for the symbols (values of its own "
             "example, which the setting does not fix): not checked")
VALUE = ("a value at the note's worked example (numbers of its own example, which the setting "
         "does not fix): not checked")


def worked_examples(out: list[Statement], tex: str) -> list[Statement]:
    """The statements with each worked-example chain split into its formula, the example's
    values put in, and its arithmetic."""
    if not _DECIMAL.search(tex):
        return out
    return [part for st in out for part in _split(st, tex)]


def _split(st: Statement, tex: str) -> list[Statement]:
    if st.kind != "equation" or st.error is not None or len(st.members) < 2:
        return [st]
    kinds = [_kind(m.text) for m in st.members]
    first = next((k for k in range(1, len(kinds)) if kinds[k] != SYMBOLIC), None)
    if first is None or SYMBOLIC in kinds[first:] or NUMBER not in kinds[first:]:
        return [st]
    numbers = [k for k in range(first, len(kinds)) if kinds[k] == NUMBER]
    if first == 1 and len(numbers) >= 2 and len(numbers) == len(kinds) - 1:
        return [st]  # `L = -\log(0.245) = 1.406`: its arithmetic, checked as it is
    parts: list[Statement] = []
    if first >= 2:
        parts.append(_part(st, tex, "equation", list(range(first)), ""))
    put_in = list(range(first - 1, numbers[0] + 1))
    parts.append(_part(st, tex, "example", put_in, FILLED_IN if first >= 2 else VALUE))
    if len(numbers) >= 2:
        parts.append(_part(st, tex, "equation", [first - 1] + numbers, ""))
    return parts


def _part(st: Statement, tex: str, kind: str, picked: list[int], reason: str) -> Statement:
    members = tuple(st.members[k] for k in picked)
    last = members[-1]
    latex = tex[members[0].pos:last.pos + len(last.latex)] if tex else st.latex
    return dataclasses.replace(st, kind=kind, members=members,
                               relations=("=",) * (len(members) - 1), latex=latex,
                               pos=members[0].pos, reason=reason)


def _kind(text: str) -> str:
    """NUMBER: numbers only (calls of functions of numbers); FILLED: names with a decimal
    number among them (`0.138 * a[1]`); SYMBOLIC otherwise."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return SYMBOLIC
    called = {id(c.func) for c in ast.walk(tree) if isinstance(c, ast.Call)}
    if not any(isinstance(n, ast.Name) and id(n) not in called for n in ast.walk(tree)):
        return NUMBER
    return FILLED if _DECIMAL.search(text) else SYMBOLIC
