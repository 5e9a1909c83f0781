"""The chain-rule shorthand of column-vector and batch notes, read as the author means it.

Notes write `∂C/∂Z = ∂C/∂A · ∂A/∂Z = ∂C/∂A · A · (1 − A)` for a batch, and
`∂a/∂z = σ(z)(1 − σ(z))`, `∂z/∂W = x^T` for one sample.  Read literally as matrices, true
notes are refuted as ill-formed.  So, in a network note's claim (never a definition):

1. `∂a/∂z = e(z, a)` for one layer's a = f(z), with e entrywise in that layer's z and a, is
   the entrywise derivative (the Jacobian's diagonal): each side is read at the entry
   (j) or, in a batch, (j, s).  Only for a layer whose activation is entrywise (never
   softmax), where the Jacobian is diagonal, so the diagonal is all it states.
2. A product of two operands of the same shape that is certainly no matrix product (a
   non-square shape) is the elementwise product: the only well-formed reading.
3. With `gradients=rows` (numerator layout in the strict sense) the gradient of a scalar by a
   column vector is a row: it is read as the transpose of bpcheck's column gradient.
4. A chain member holding a derivative that is a tensor (a vector or a batch by a matrix, a
   batch by a batch) states a contraction no matrix formula states: that member is skipped,
   with the reason, and the chain's other members are still compared with each other.  A
   claim left with one side is skipped as a whole.

Each rule acts only on shapes known for certain from the setting (`notes.shapes`); anything
else is left as written, and decided as written.
"""
from __future__ import annotations

import ast

from ..model import Setting
from .context import TexContext
from .entrywise import entrywise
from .shapes import Shapes, certainly_not_scalar, is_scalar, is_tensor, known
from .tensors import TensorSkip

_ENTRYWISE = frozenset({"exp", "log", "ln", "sqrt", "tanh", "sigmoid", "relu", "abs", "step",
                        "f", "fprime", "g", "gprime", "df", "leaky_relu", "elu", "softplus",
                        "swish"})
_NOT_ENTRYWISE = frozenset({"softmax"})


def shapes_for(setting: Setting, ctx: TexContext) -> Shapes | None:
    widths = list(setting.get("widths", ()) or ())
    if not widths or str(setting.get("row_vectors", "false")).lower() == "true":
        return None
    return Shapes(widths, ctx.numbering, ctx.orientation, ctx.depth, ctx.loss,
                  ctx.batch_size if ctx.batch else 0)


def read_shorthand(sides: list[str], setting: Setting, ctx: TexContext,
                   rows: bool) -> tuple[list[str], list[tuple[int, str]]]:
    """The claim's sides as the note means them, and the members skipped (index, reason).
    Raises TensorSkip when fewer than two sides are left to compare."""
    shapes = shapes_for(setting, ctx)
    if shapes is None:
        return sides, []
    try:
        trees = [ast.parse(s, mode="eval").body for s in sides]
    except SyntaxError:
        return sides, []
    entries = _entrywise_identity(trees, shapes, setting)
    if entries is not None:
        return [ast.unparse(t) for t in entries], []
    if rows:
        trees = [_RowGradients(shapes).visit(t) for t in trees]
    trees = [_Hadamard(shapes).visit(t) for t in trees]
    kept, dropped = [], []
    for k, tree in enumerate(trees):
        reason = _tensor_in(tree, shapes)
        if reason:
            dropped.append((k, f"{sides[k]}: {reason}"))
        else:  # (a side no rule changed reads back as its text: sides are unparsed trees)
            kept.append(ast.unparse(tree))
    if dropped and len(kept) < 2:
        raise TensorSkip("; ".join(r for _, r in dropped) + ": the note's shorthand for a "
                         "contraction, not a matrix formula to check, and nothing else of the "
                         "chain is left to compare")
    return kept, dropped


def _tensor_in(tree: ast.expr, shapes: Shapes) -> str:
    for node in ast.walk(tree):
        if _is_call(node, "diff", 2):
            f, var = shapes.of(node.args[0]), shapes.of(node.args[1])
            if is_tensor(f, var):
                return (f"the derivative of {ast.unparse(node.args[0])} ({_size(f)}) by "
                        f"{ast.unparse(node.args[1])} ({_size(var)}) is a tensor")
    return ""


def _size(shape) -> str:
    return "×".join(str(known(d)) if known(d) is not None else "n" for d in shape)


def _is_call(node: ast.AST, name: str, n: int) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id == name and len(node.args) == n


# ---- 1. the entrywise derivative of an activation ----------------------------------------

def _entrywise_identity(trees: list[ast.expr], shapes: Shapes,
                        setting: Setting) -> list[ast.expr] | None:
    pair = next((t for t in trees if _is_call(t, "diff", 2)), None)
    if pair is None or not all(isinstance(a, ast.Subscript) for a in pair.args):
        return None
    a, z = pair.args
    if not (_named(a, "a") and _named(z, "z") and ast.dump(a.slice) == ast.dump(z.slice)):
        return None
    quantities = {ast.dump(a), ast.dump(z)}
    if not all(t is pair or _entrywise_of(t, quantities) for t in trees):
        return None
    if sum(t is pair for t in trees) != 1 or not _entrywise_layer(z.slice, shapes, setting):
        return None
    used = {n.id for t in trees for n in ast.walk(t) if isinstance(n, ast.Name)}
    free = [c for c in "jkpqrstuv" if c not in used]
    index: ast.expr = ast.Name(free[0], ast.Load())
    if shapes.batch:
        index = ast.Tuple([index, ast.Name(free[1], ast.Load())], ast.Load())
    return [_AtEntry(quantities, index).visit(t) for t in trees]


def _named(node: ast.Subscript, name: str) -> bool:
    return isinstance(node.value, ast.Name) and node.value.id == name


def _entrywise_of(node: ast.expr, quantities: set[str]) -> bool:
    """Arithmetic of numbers and entrywise functions of the layer's z and a, with one of
    them used at least once."""
    used = False
    for n in ast.walk(node):
        if isinstance(n, ast.Subscript):
            if ast.dump(n) not in quantities:
                return False
            used = True
        elif isinstance(n, ast.Call):
            if not (isinstance(n.func, ast.Name) and n.func.id in _ENTRYWISE and len(n.args) == 1):
                return False
        elif isinstance(n, ast.Name):
            if n.id not in _ENTRYWISE and not _inside_subscript(node, n):
                return False
        elif not isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Constant, ast.operator,
                                ast.unaryop, ast.expr_context)):
            return False
    return used


def _inside_subscript(root: ast.expr, name: ast.Name) -> bool:
    return any(isinstance(s, ast.Subscript) and any(m is name for m in ast.walk(s))
               for s in ast.walk(root))


def _entrywise_layer(layer: ast.expr, shapes: Shapes, setting: Setting) -> bool:
    """Does layer `layer` certainly have an entrywise activation?"""
    hidden, output = setting.get("activation", "sigmoid"), setting.get("output", "")
    output = output or hidden
    if hidden in _NOT_ENTRYWISE:
        return False
    if output not in _NOT_ENTRYWISE:
        return True
    top = shapes.top  # a softmax output: only a layer certainly below it
    from .shapes import _evaluate
    free = {n.id for n in ast.walk(layer) if isinstance(n, ast.Name)} - {shapes.depth}
    value = _evaluate(layer, {shapes.depth: top})
    return not free and value is not None and value < top


class _AtEntry(ast.NodeTransformer):
    def __init__(self, quantities: set[str], index: ast.expr) -> None:
        self.quantities, self.index = quantities, index

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        if ast.dump(node) in self.quantities:
            return ast.Subscript(node, self.index, ast.Load())
        return node


# ---- 2. the elementwise product written as a product ------------------------------------

class _Hadamard(ast.NodeTransformer):
    def __init__(self, shapes: Shapes) -> None:
        self.shapes = shapes

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Mult):
            return node
        left, right = self.shapes.of(node.left), self.shapes.of(node.right)
        if left is None or left != right or is_scalar(left):
            return node
        rows, cols = (known(d) for d in left)
        vector = left[0] == frozenset({1}) or left[1] == frozenset({1})
        if (rows is not None and cols is not None and rows != cols) or \
                (vector and certainly_not_scalar(left)):
            return ast.BinOp(node.left, ast.Mod(), node.right)
        return node


# ---- 3. gradients by columns written as rows -----------------------------------------------

class _RowGradients(ast.NodeTransformer):
    def __init__(self, shapes: Shapes) -> None:
        self.shapes = shapes

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        if not _is_call(node, "diff", 2):
            return node
        f, var = self.shapes.of(node.args[0]), self.shapes.of(node.args[1])
        if is_scalar(f) and var is not None and var[1] == frozenset({1}) \
                and certainly_not_scalar(var):
            return ast.Call(ast.Name("transpose", ast.Load()), [node], [])
        return node


def shorthand_sides(sides: list[str], lines: list[int], setting: Setting, ctx: TexContext,
                    defaults: dict, skipped: list[tuple[int, str]] | None
                    ) -> tuple[list[str], list[int]]:
    """`read_shorthand` for a claim's sides and their lines; the skipped members' (line,
    reason) go to `skipped` (None: a definition, read as written)."""
    if skipped is None:
        return sides, lines
    if entrywise(sides) != sides:  # an activation identity of one quantity: read entrywise
        return sides, lines
    rows = str(defaults.get("gradients", "columns")).strip() == "rows"
    sides, dropped = read_shorthand(sides, setting, ctx, rows)
    gone = {k for k, _ in dropped}
    skipped.extend((lines[k], reason) for k, reason in dropped)
    return sides, [n for k, n in enumerate(lines) if k not in gone]
