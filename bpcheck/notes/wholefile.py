"""Every statement of a display formula, read without an annotation: what it is and why.

A file with a `bpcheck-defaults` line (or front matter, or notebook metadata) has all its
display formulas considered.  Each statement (`statements.statements`) ends in one class,
none dropped:

- "claim": an equation one of whose members is a derivative (∂, ∇, δ, f'), decided like an
  annotated claim;
- "definition": an equation whose left side is a quantity of the setting (`z^{[l]}`,
  `a^{[l]}`, the loss), checked as a claim that the setting's quantity equals the formula;
- "update": `\\leftarrow`, `:=` with a learning rate, or the same parameter on both sides
  (`W = W - \\alpha\\, dW`): a training step, not a claim;
- "skipped": remarks, ranges, inequalities, approximations, shapes, expressions and equations
  between other names, each with its reason;
- "not understood": the parser's `LatexError` (the construct and a hint).

Annotations inside a display (`% bpcheck: ...` or `<!-- bpcheck: ... -->` on a line of its
own) belong to the row that follows, so one row of an `align` can be marked an erratum.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace

from . import gradvar
from .context import NETWORK, TexContext
from .leibniz import chain_through_unknown
from .remarks import GENERIC, WORDS, statement_remark, update_reason, words_only
from .statements import Statement
from .classes import EXAMPLE, example_sides, slip_note
from .owndefs import not_a_definition
from .identities import is_identity

CLAIM, DEFINITION, UPDATE, SKIPPED, NOT_UNDERSTOOD = (
    "claim", "definition", "update", "skipped", "not understood")

_DERIVATIVE = re.compile(r"\bdiff\(|\bdelta\b|prime\(|\bgrad\(")
_LEARNING_RATES = re.compile(r"\\eta|\\alpha|η|α|\\epsilon|\\varepsilon|\blr\b|"
                             r"\\text\{\s*lr\s*\}|\\mathrm\{\s*lr\s*\}")
_LAYERED = {"W", "b", "z", "a", "delta", "B"}
_DEFINED = {"z", "a", "yhat"}
_ROW_NOTE = re.compile(r"<!--\s*bpcheck\s*:(.*?)-->|%\s*bpcheck\s*:([^\n]*)", re.S)


@dataclass(frozen=True)
class Reading:
    """How one statement of a display was read: its class, what it says, and why."""

    kind: str  # CLAIM, DEFINITION, UPDATE, SKIPPED or NOT_UNDERSTOOD
    line: int
    latex: str
    translation: str = ""
    reason: str = ""
    claim: str = ""  # the claim id, for claims and definitions


@dataclass(frozen=True)
class RowNote:
    """An annotation inside a display: its attribute text, and the span of the display it
    covers (from the end of the comment to the next row break)."""

    body: str
    start: int
    end: int
    offset: int  # of the comment itself


def row_notes(tex: str) -> tuple[str, list[RowNote]]:
    """The display with its row annotations blanked out (offsets kept), and the notes."""
    notes: list[RowNote] = []
    for m in _ROW_NOTE.finditer(tex):
        brk = tex.find("\\\\", m.end())
        notes.append(RowNote(m.group(1) if m.group(1) is not None else m.group(2),
                             m.end(), len(tex) if brk < 0 else brk, m.start()))
    clean = _ROW_NOTE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), tex)
    return clean, notes


def note_for(notes: list[RowNote], pos: int) -> RowNote | None:
    return next((n for n in notes if n.start <= pos < n.end), None)


def classify(st: Statement, loss: str, ctx: TexContext | None = None) -> tuple[str, str]:
    """(class, reason) of one statement read without an annotation; `remarks` names what a
    statement that is neither a claim nor a definition is (never overriding either)."""
    if st.kind == "update" or _is_update(st):
        return UPDATE, st.reason or "an update rule (a training step), not a claim"
    step = update_reason(st) if st.kind == "equation" else None
    if step:
        return UPDATE, step
    if st.kind == "equation" and words_only(st):
        return SKIPPED, WORDS
    ctx = ctx or replace(NETWORK, loss=loss)
    if st.kind == "approx" and not st.tolerance and st.reason:
        return SKIPPED, st.reason  # never checked, so how its sides read does not matter
    if st.error is not None:
        remark = statement_remark(st, ctx)
        return (SKIPPED, remark) if remark else (NOT_UNDERSTOOD, str(st.error))
    if st.kind == "shape" and st.shape and st.members and ctx.network:
        return CLAIM, "a shape statement, checked against the setting"
    if st.kind == "approx" and st.tolerance and approx_sides(st):
        return CLAIM, "approximately equal, to the stated digits: checked"
    if st.kind != "equation":
        return SKIPPED, st.reason or "an expression with no relation: nothing is claimed"
    texts = [m.text for m in st.members]
    if example_sides(st):
        return CLAIM, EXAMPLE
    if chain_through_unknown(st.latex, ctx.loss, ctx.names):
        return SKIPPED, GENERIC  # dy/dx = dy/du du/dx: u is no symbol of the setting
    if any(_DERIVATIVE.search(t) for t in texts):
        return CLAIM, gradvar.said(slip_note(st.latex), st.latex, ctx)
    if _defines(texts[0], loss):
        other = not_a_definition(texts)
        return (SKIPPED, other) if other else \
            (DEFINITION, "the setting's quantity, checked against the formula")
    if is_identity(texts):
        return CLAIM, "an identity of the setting's functions (no derivative): checked"
    return SKIPPED, statement_remark(st, ctx) or (
        "an equation between names that are neither derivatives nor quantities of the setting "
        "(a definition of the note's own)")


def unreadable_remark(tex: str, ctx: TexContext) -> str | None:
    """Why a display that cannot be split into statements (an unclosed brace) is no claim
    about the setting (generic calculus, a limit), or None."""
    return statement_remark(Statement("expression", (), (), tex, 0), ctx)


def approx_sides(st: Statement) -> list[str]:
    """`\\sigma(1) \\approx 0.731` between numbers (no quantity of the setting) as a claim that
    holds exactly when the two differ by at most half a unit of the last stated digit; a value
    of the note's example (`\\partial J/\\partial w \\approx 0.25`) is not the setting's: []."""
    if st.error is not None or len(st.members) != 2:
        return []
    for member in st.members:
        try:
            tree = ast.parse(member.text, mode="eval")
        except SyntaxError:
            return []
        called = {id(c.func) for c in ast.walk(tree) if isinstance(c, ast.Call)}
        if any(isinstance(n, ast.Name) and id(n) not in called for n in ast.walk(tree)):
            return []
    left, right = (m.text for m in st.members)
    return [f"piecewise((0, abs(({left}) - ({right})) <= {st.tolerance!r}), (1, True))", "0"]


def shape_sides(st: Statement) -> list[str]:
    """`X \\in \\mathbb{R}^{m \\times n}` as a claim that holds exactly when X is m×n:
    `0 * X = zeros(m, n)` (a product or sum of the wrong shapes is ill-formed)."""
    dims = list(st.shape) + (["1"] if len(st.shape) == 1 else [])
    zero = "0" if st.shape == ("1",) else f"zeros({', '.join(dims)})"
    return [f"0 * ({st.members[0].text})", zero]


def _is_update(st: Statement) -> bool:
    """`:=` with a learning rate, or a parameter on both sides of `=` with a learning rate."""
    left, _, right = _split_once(st.latex)
    if not right or not _LEARNING_RATES.search(right):
        return False
    if ":=" in st.relations:
        return True
    key = re.sub(r"\s+", "", left)
    return bool(key) and key in re.sub(r"\s+", "", right)


def _split_once(latex: str) -> tuple[str, str, str]:
    m = re.search(r":=|=", latex)
    return (latex[:m.start()], m.group(), latex[m.end():]) if m else (latex, "", "")


def _defines(left: str, loss: str) -> bool:
    """`z[l]`, `a[l][j]`, `a[0]`, the loss `J`: a quantity the setting computes."""
    try:
        node = ast.parse(left, mode="eval").body
    except SyntaxError:
        return False
    if isinstance(node, ast.Name):
        return node.id == loss
    while isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name) and node.id in _DEFINED


# ---- layer ranges ------------------------------------------------------------------------

def layer_ranges(trees: list[ast.Expression], known: set[str],
                 ctx: TexContext) -> tuple[tuple[str, str], ...]:
    """Ranges of the layer indices of a network claim (its parsed sides): the layers where
    every quantity it names exists (`W^{[l+1]}` makes a δ recurrence run to L-1)."""
    if not ctx.network:
        return ()
    shifts: dict[str, list[tuple[str, int]]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            found = _layer_use(node)
            if found and found[1] not in known:
                shifts.setdefault(found[1], []).append((found[0], found[2]))
    return tuple((var, _range(uses, ctx)) for var, uses in sorted(shifts.items()))


def _trees(sides: list[str]) -> list[ast.Expression]:
    """The sides that parse (the others are reported where the claim is built)."""
    out = []
    for side in sides:
        try:
            out.append(ast.parse(side, mode="eval"))
        except SyntaxError:
            continue
    return out


def _layer_use(node: ast.AST) -> tuple[str, str, int] | None:
    """(quantity, variable, shift) for `W[l + 1]`, `z[l]`, `a[l - 1]`."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id in _LAYERED):
        return None
    s = node.slice
    if isinstance(s, ast.Name):
        return node.value.id, s.id, 0
    if isinstance(s, ast.BinOp) and isinstance(s.left, ast.Name) and \
            isinstance(s.right, ast.Constant) and isinstance(s.right.value, int) and \
            isinstance(s.op, (ast.Add, ast.Sub)):
        return node.value.id, s.left.id, s.right.value * (1 if isinstance(s.op, ast.Add) else -1)
    return None


def _range(uses: list[tuple[str, int]], ctx: TexContext) -> str:
    ufldl = ctx.numbering == "ufldl"
    lo = hi_gap = 0
    for quantity, shift in uses:
        first, gap = _layers(quantity, ufldl)
        lo = max(lo, first - shift)
        hi_gap = max(hi_gap, gap + shift)
    top = ctx.depth if hi_gap == 0 else f"{ctx.depth}-{hi_gap}" if hi_gap > 0 \
        else f"{ctx.depth}+{-hi_gap}"
    return f"{lo}..{top}"


def _layers(quantity: str, ufldl: bool) -> tuple[int, int]:
    """(first layer, how far below L the last one is) of a layered quantity."""
    if ufldl:
        return {"W": (1, 1), "b": (1, 1), "B": (1, 1), "a": (1, 0)}.get(quantity, (2, 0))
    return (0, 0) if quantity == "a" else (1, 0)


_GENERIC = {"f", "g", "fprime", "gprime", "df"}


def output_activation_used(sides: list[str], ranges: dict[str, str], ctx: TexContext,
                           output_layer: int) -> str:
    """The call of a generic activation (`g'(z^{[l]})`) that can reach the output layer of
    a network whose output activation differs from the hidden one: the note means each
    layer's own activation, which f and g cannot say there ("" when there is none)."""
    if not ctx.network or ctx.activation:
        return ""
    for tree in _trees(sides):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in _GENERIC and len(node.args) == 1 \
                    and _reaches(node.args[0], ranges, ctx, output_layer):
                return ast.unparse(node)
    return ""


def _reaches(arg: ast.expr, ranges: dict[str, str], ctx: TexContext, output_layer: int) -> bool:
    found = _layer_use(arg)
    if found is None:
        return isinstance(arg, ast.Subscript) and isinstance(arg.slice, ast.Constant) \
            and arg.slice.value == output_layer
    _, var, shift = found
    top = ranges.get(var, "")
    m = re.fullmatch(rf"\s*\S+\s*\.\.\s*{re.escape(ctx.depth)}\s*(?:([+-])\s*(\d+))?\s*", top)
    if m is None:
        return var == ctx.depth or not top  # the depth itself, or a range not known: say so
    gap = int(m.group(2) or 0) * (-1 if m.group(1) == "-" else 1)
    return gap + shift >= 0
