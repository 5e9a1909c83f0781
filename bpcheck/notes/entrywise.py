"""An activation's identity read entry by entry, as notes mean it.

`\\frac{d\\sigma(z)}{dz} = \\sigma(z)(1-\\sigma(z))` names a vector z, but a note writing it
states the scalar rule every entry follows: read as matrices, its left side is a Jacobian and
its right side a product of two column vectors, and a true formula would be refuted on
shapes.  When a claim names one layer quantity (`z[l]` or `a[l]`, or the bare input `x`, which
notes use for the function's scalar argument: `\\frac{\\partial}{\\partial x}\\mathrm{ReLU}(x)`) and
nothing else of the network, and applies only entrywise functions (and piecewise cases in it)
to it, each use becomes the entry `z[l][j]`: the elementwise claim holds exactly when it holds
for every entry j.
"""
from __future__ import annotations

import ast
import re

_ENTRYWISE = {"exp", "log", "ln", "sqrt", "tanh", "sigmoid", "relu", "abs", "step",
              "leaky_relu", "elu", "softplus", "swish", "f", "fprime", "g", "gprime", "df"}
_QUANTITIES = {"z", "a"}
_INDICES = "jkimpq"
_OTHERS = re.compile(r"\b(?:W|b|delta|sum|y|yhat)\b")
_INPUT = "x"  # the bare input, as the argument of an activation identity


def entrywise(sides: list[str], input_layer: int | None = 0) -> list[str]:
    """The sides with each use of the claim's one vector quantity as its entry j, when the
    claim is an activation identity (see the module docstring); otherwise unchanged.
    `input_layer`: the layer whose a is the input x (None: x is not one vector here, as in
    a batch, and is never read entrywise)."""
    if any(_OTHERS.search(s) for s in sides):
        return sides  # another quantity than one layer's z or a: not an activation identity
    try:
        trees = [ast.parse(s, mode="eval") for s in sides]
    except SyntaxError:
        return sides
    found: set[str] = set()
    if not all(_only_entrywise(t.body, found) for t in trees) or len(found) != 1 \
            or found == {_INPUT} and input_layer is None:
        return sides
    if not any(isinstance(n, ast.Call) for t in trees for n in ast.walk(t)):
        return sides  # no function of it: nothing to read entrywise
    used = {n.id for t in trees for n in ast.walk(t) if isinstance(n, ast.Name)}
    index = next(c for c in _INDICES if c not in used)
    quantity = found.pop()
    entries = _Entries(quantity, index, input_layer)
    entries.used = used
    return [ast.unparse(entries.visit(t)) for t in trees]


def _only_entrywise(node: ast.expr, found: set[str]) -> bool:
    """Arithmetic of constants, entrywise functions and one unindexed layer quantity."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name) and node.id == _INPUT:
        found.add(_INPUT)
        return True
    if isinstance(node, ast.Compare):  # a case's condition: x > 0
        return all(_only_entrywise(n, found) for n in [node.left, *node.comparators])
    if isinstance(node, ast.Tuple):  # a case: (value, condition)
        return all(_only_entrywise(n, found) for n in node.elts)
    if isinstance(node, ast.Subscript):
        if isinstance(node.value, ast.Name) and node.value.id in _QUANTITIES:
            found.add(ast.unparse(node))
            return True
        return False
    if isinstance(node, ast.BinOp):
        return _only_entrywise(node.left, found) and _only_entrywise(node.right, found)
    if isinstance(node, ast.UnaryOp):
        return _only_entrywise(node.operand, found)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name = node.func.id
        if name == "diff" and len(node.args) == 2:
            return all(_only_entrywise(a, found) for a in node.args)
        return name in _ENTRYWISE | {"piecewise"} and \
            all(_only_entrywise(a, found) for a in node.args)
    return False


class _Entries(ast.NodeTransformer):
    def __init__(self, quantity: str, index: str, input_layer: int | None) -> None:
        self.quantity, self.index, self.input_layer = quantity, index, input_layer
        self.used: set[str] = set()

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id == self.quantity == _INPUT:  # x_j is the input's entry a[0][j]
            layer = ast.Subscript(ast.Name("a", ast.Load()), ast.Constant(self.input_layer),
                                  ast.Load())
            return ast.Subscript(layer, ast.Name(self.index, ast.Load()), ast.Load())
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        if ast.unparse(node) == self.quantity:
            return ast.Subscript(node, self._entry(), ast.Load())
        return node

    def _entry(self) -> ast.expr:
        """Entry j of a vector; in a batch (no input layer), entry (j, sample) of a matrix."""
        if self.input_layer is not None:
            return ast.Name(self.index, ast.Load())
        sample = next(c for c in _INDICES if c != self.index and c not in self.used)
        return ast.Tuple([ast.Name(self.index, ast.Load()), ast.Name(sample, ast.Load())],
                         ast.Load())
