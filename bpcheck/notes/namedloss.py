"""A loss the note names with a subscript (`\\mathcal{L}_{RSS}`, `J_{\\text{CE}}`).

Notes that survey losses write each under its own name, with the loss symbol and a word as
subscript, whatever loss the running example uses.  The reader takes `\\mathcal{L}_{CE}` as
the setting's loss (its name dropped) only when the name can be that loss: a name that
says another kind of loss (`RSS` in a cross-entropy setting) makes the statement one about
the note's other loss, skipped with that reason, never a disagreement with the setting.
A name that says nothing known (`\\mathcal{L}_{train}`) keeps the setting's reading.
"""
from __future__ import annotations

import ast
import re
from dataclasses import replace

from ..model import Setting

_SQUARED = ("mse_half", "mse_sum", "mse_mean")
_CROSS = ("cross_entropy", "binary_cross_entropy")
# a loss's name (lower case) -> the built-in losses it can be
_KINDS = {
    **dict.fromkeys(("rss", "sse", "mse", "se", "ls", "l2", "sq", "squared", "quadratic"),
                    _SQUARED),
    **dict.fromkeys(("ce", "xe", "xent", "nll", "log", "logloss", "crossentropy",
                     "cross-entropy", "entropy"), _CROSS),
    **dict.fromkeys(("bce", "binary"), ("binary_cross_entropy",)),
    **dict.fromkeys(("cce", "categorical"), ("cross_entropy",)),
}
_WORD = r"(?:\\(?:text|mathrm|textrm|rm|operatorname|mathit)\s*\{\s*)?([A-Za-z][A-Za-z0-9-]*)"


def loss_label(latex: str, symbol: str) -> str:
    """The word subscript of the loss symbol in `latex` (`RSS` of `\\mathcal{L}_{RSS}`), the
    first one if several; "" for none (an index `L_i` is no name)."""
    if not symbol:
        return ""
    pattern = re.escape(symbol.strip()) + r"\s*_\s*(?:\{\s*" + _WORD + r"|" + \
        r"\\(?:text|mathrm|textrm|rm|operatorname)\s*\{\s*([A-Za-z][A-Za-z0-9-]*))"
    for m in re.finditer(pattern, latex):
        word = m.group(1) or m.group(2)
        if len(word) > 1:
            return word
    return ""


def other_loss(latex: str, setting: Setting) -> str:
    """Why a statement about a loss the note names is not about the setting's loss (its
    name says another kind), or ""."""
    if setting.kind != "network":
        return ""
    symbol = str(setting.get("loss_symbol", "J"))
    label = loss_label(latex, symbol)
    kinds = _KINDS.get(label.lower(), ())
    loss = str(setting.get("loss", ""))
    if not kinds or not loss or loss in kinds:
        return ""
    return (f"about the note's own loss {symbol}_{{{label}}}, another loss than the "
            f"setting's ({loss}): not this network's claim, not checked")


# ---- a vector of per-output losses -------------------------------------------------------

_OUTPUTS = {"y", "yhat"}
_ENTRYWISE = {"log", "exp", "abs", "sqrt"}


def per_output(members: list, loss: str, depth: str, reason: str) -> tuple[list, str]:
    """A definition of the loss by an expression entrywise in the whole vectors y and ŷ
    (`-(y log ŷ + (1 - y) log(1 - ŷ))`, which the note calls a vector of per-output losses):
    read as the sum of its entries, said in the reason; else unchanged."""
    if len(members) != 2 or members[0].text != loss:
        return members, reason
    try:
        tree = ast.parse(members[1].text, mode="eval").body
    except SyntaxError:
        return members, reason
    if not _entrywise_in_outputs(tree):
        return members, reason
    entry = _AtEntry("k").visit(tree)
    text = f"sum({ast.unparse(entry)}, (k, 1, n[{depth}]))"
    told = "a vector of per-output losses (entrywise in y and ŷ): the loss is its entries' sum"
    return [members[0], replace(members[1], text=text)], (f"{reason}; {told}" if reason
                                                          else told)


def _entrywise_in_outputs(tree: ast.expr) -> bool:
    """Arithmetic of numbers, entrywise functions and the unindexed y, ŷ (at least one
    product or function of them, so that the vector reading is the only well-formed one)."""
    outputs = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id in _OUTPUTS:
                outputs = True
            elif node.id not in _ENTRYWISE:
                return False
        elif isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _ENTRYWISE):
                return False
        elif not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Constant, ast.operator,
                                   ast.unaryop, ast.Load)):
            return False
    return outputs


class _AtEntry(ast.NodeTransformer):
    def __init__(self, index: str) -> None:
        self.index = index

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in _OUTPUTS:
            return ast.Subscript(node, ast.Name(self.index, ast.Load()), ast.Load())
        return node
