"""Derivatives that are tensors, and entries used as vectors: formulas no matrix claim states.

`\\frac{\\partial z}{\\partial W} = x^T` is a note's shorthand: the derivative of a vector by a
matrix has three indices, and whatever matrix the note writes for it stands for a contraction
it performs in its head.  Read as matrices, the claim is ill-formed and a true note would be
refuted; so a statement with such a derivative is skipped, with the reason.  And a vector's
entry transposed or put in `diag` (`\\mathbf s_i^\\top`, `diag(\\mathbf s_i)`) shows that
the subscript names something else than an entry (a sample of a batch, a row of a matrix):
that statement is not understood, never checked as written.
"""
from __future__ import annotations

import ast
import re
from typing import Any

from .rowshape import COLUMN, MATRIX, ROW, SCALAR, shape_of
from .settings import Problem


class TensorSkip(Problem):
    """A statement that holds a derivative no matrix can state: skipped, with the reason."""


def check_matrix_forms(sides: list[str], loss: str) -> None:
    """Raise TensorSkip for a tensor derivative, Problem for an entry used as a vector."""
    for side in sides:
        try:
            tree = ast.parse(side, mode="eval")
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            name, args = node.func.id, node.args
            if name == "diff" and len(args) == 2 and _tensor(args, loss):
                f, var = (ast.unparse(a) for a in args)
                raise TensorSkip(f"the derivative of the {shape_of(args[0], loss)} {f} by the "
                                 f"{shape_of(args[1], loss)} {var} is a tensor: the note's "
                                 "matrix for it is a shorthand, not a matrix formula to check")
            if name in ("transpose", "diag") and len(args) == 1 and _entry(args[0]):
                raise Problem(f"{name} of the entry {ast.unparse(args[0])}: the subscript "
                              "names something else than an entry here (a sample, a row); "
                              "write the vector's name for it in names=")


def scalar_network(setting: Any, batch_size: int) -> bool:
    """Widths all 1 and one sample (`y = wx + b` written with row_vectors for a later batch):
    every row, column and matrix is 1x1, so no derivative is a tensor."""
    widths = setting.get("widths", ()) or ()
    return bool(widths) and all(w == 1 for w in widths) and batch_size in (0, 1)


def _tensor(args: list[ast.expr], loss: str) -> bool:
    f, var = shape_of(args[0], loss), shape_of(args[1], loss)
    return (var == MATRIX and f in (ROW, COLUMN, MATRIX)) or \
        (var in (ROW, COLUMN) and f == MATRIX) or (var == ROW and f == COLUMN) or \
        (var == COLUMN and f == ROW)


_DRAWN = re.compile(r"\b(?:row|col|matrix)\(")


def check_blocks(sides: list[str], loss: str) -> None:
    """Raise TensorSkip for a drawn matrix whose cells are vectors or matrices (`[b W]`, an
    augmented matrix): the formula language draws matrices of numbers only."""
    for side in sides:
        if not _DRAWN.search(side):  # (most sides draw no matrix: no parse)
            continue
        try:
            tree = ast.parse(side, mode="eval")
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in ("row", "col", "matrix") and _blocks(node.args, loss):
                raise TensorSkip(f"a block matrix (its cells {_blocks(node.args, loss)} are "
                                 "vectors or matrices): bpcheck checks matrices of numbers only")


def _blocks(args: list[ast.expr], loss: str) -> str:
    """The cells of a drawn matrix that are vectors or matrices ("" when all are numbers)."""
    cells = [c for a in args for c in (a.elts if isinstance(a, ast.Tuple) else [a])]
    return ", ".join(ast.unparse(c) for c in cells if shape_of(c, loss) != SCALAR)


def _entry(node: ast.expr) -> bool:
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Subscript) \
        and shape_of(node, "") == SCALAR
