"""The small edits that course formulas get wrong, as syntax-tree rewrites.

Each edit takes a formula (text or tree) and yields variants, each with a kind,
the new tree and a sentence saying what changed.  The mutation test applies
them to true claims (every non-equivalent variant must be refuted); the
diagnosis applies them to a refuted formula, looking for the one edit that
makes it true.  Nothing here evaluates text: it parses, rewrites trees (a new
tree per variant, sharing what the edit did not touch) and unparses on demand.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterator

from ..catalog.formula import bound_indices, node_key, normalise, walk

LAYERED = {"W", "b", "B", "z", "a", "x", "delta"}
DERIVATIVE_FUNCS = {"fprime", "gprime", "df"}
TRANSPOSE_FUNCS = {"transpose", "T"}
ACTIVATION_FUNCS = {"sigmoid", "tanh", "f", "g", "relu", "softplus", "swish", "leaky_relu",
                    "elu"}


@dataclass(frozen=True)
class Edit:
    kind: str  # sign, transpose-missing, transpose-extra, fprime-missing, fprime-extra,
    #            fprime-for-activation,
    #            layer, index-swap, factor-2, factor-half, batch-mean, operands
    tree: ast.Expression = field(compare=False, repr=False)  # the edited formula
    # (what the edit changed, what was wrong if this edit repairs it): written only
    # when asked for, since a diagnosis reads it for one edit among hundreds
    describe: Callable[[], tuple[str, str]] = field(compare=False, repr=False)

    @cached_property
    def text(self) -> str:
        """The edited formula as text (unparsed when asked for: most candidates of a
        diagnosis are thrown away on their numbers alone)."""
        return _show(self.tree.body)

    @property
    def what(self) -> str:
        return self.describe()[0]

    @property
    def error(self) -> str:
        return self.describe()[1]


def _tree(text: str) -> ast.Expression:
    return ast.parse(normalise(text).strip(), mode="eval")


def _show(node: ast.AST) -> str:
    return ast.unparse(node).replace(" % ", " ⊙ ")


def _new(body: ast.AST) -> ast.Expression:
    return ast.Expression(body=body)


class _Paths:
    """Every node of a tree (walk order) and where it hangs, so that a variant is a
    new tree with one node replaced: its ancestors are copied, every other sub-tree
    is shared (never modified), so values kept per sub-tree serve every variant."""

    def __init__(self, tree: ast.Expression) -> None:
        self.tree = tree
        self.nodes: list[ast.AST] = []
        self.parent: dict[int, tuple[ast.AST, str, int | None]] = {}
        for node in walk(tree):
            self.nodes.append(node)
            for name, value in ast.iter_fields(node):
                if isinstance(value, ast.AST):
                    self.parent[id(value)] = (node, name, None)
                elif isinstance(value, list):
                    for i, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            self.parent[id(item)] = (node, name, i)
        # what an edit can match: expressions (contexts and operators never are)
        self.exprs = [n for n in self.nodes if isinstance(n, ast.expr)]

    @classmethod
    def of(cls, tree: ast.Expression) -> "_Paths":
        """The paths of `tree`, kept for the last tree asked (a diagnosis asks for each
        candidate's edits, then its slips, then its factors)."""
        last = _LAST_PATHS[0]
        if last is None or last.tree is not tree:
            last = _LAST_PATHS[0] = cls(tree)
        return last

    def replaced(self, old: ast.AST, new: ast.AST) -> ast.Expression:
        while id(old) in self.parent:
            parent, name, i = self.parent[id(old)]
            copy_ = _shallow(parent)
            if i is None:
                setattr(copy_, name, new)
            else:
                items = list(getattr(parent, name))
                items[i] = new
                setattr(copy_, name, items)
            old, new = parent, copy_
        return new


_LAST_PATHS: list[_Paths | None] = [None]


def _shallow(node: ast.AST) -> ast.AST:
    """`copy.copy(node)`, five times faster (a diagnosis copies thousands of nodes)."""
    new = node.__class__.__new__(node.__class__)
    new.__dict__.update(node.__dict__)
    return new


def _variants(paths: _Paths, match: Callable[[ast.AST], bool],
              rewrite: Callable[[ast.AST], ast.AST]) -> Iterator[tuple[ast.Expression, ast.AST]]:
    """One variant per matching node: a new tree with that node rewritten."""
    for node in [n for n in paths.exprs if match(n)]:
        yield paths.replaced(node, rewrite(node)), node


def _call(name: str, *args: ast.AST) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _is_call(node: ast.AST, names: set[str]) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names


def _layer_subscript(node: ast.AST) -> bool:
    return (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id in LAYERED and not isinstance(node.slice, ast.Tuple))


def edits(text: str | ast.Expression, batch: int = 0) -> Iterator[Edit]:
    """Every single edit of a formula, given as text or as a tree (never modified);
    duplicates, and edits that change nothing, removed."""
    tree = _tree(text) if isinstance(text, str) else text
    seen = {node_key(tree)}
    for edit in _all(tree, batch):
        key = node_key(edit.tree)
        if key not in seen:
            seen.add(key)
            yield edit


def _all(tree: ast.Expression, batch: int) -> Iterator[Edit]:
    body = tree.body
    paths = _Paths.of(tree)
    in_index = {id(m) for n in paths.nodes if isinstance(n, ast.Subscript)
                for m in walk(n.slice)}
    for new, node in _variants(paths, lambda n: isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub)
                               and id(n) not in in_index,
                               lambda n: ast.BinOp(n.right, ast.Sub(), n.left)):
        swapped = ast.BinOp(node.right, ast.Sub(), node.left)
        yield Edit("sign", new,
                   lambda node=node, swapped=swapped: (f"{_show(node)} written the other way round",
                   f"{_show(node)} should be {_show(swapped)} (a flipped sign)"))
    negated = (body.operand if isinstance(body, ast.UnaryOp)
               and isinstance(body.op, ast.USub) else ast.UnaryOp(ast.USub(), body))
    yield Edit("sign", _new(negated), lambda: ("the sign flipped", "the sign is flipped"))
    for new, node in _variants(paths, lambda n: _is_call(n, TRANSPOSE_FUNCS) and len(n.args) == 1,
                               lambda n: n.args[0]):
        yield Edit("transpose-missing", new,
                   lambda node=node: (f"the transpose of {_show(node.args[0])} dropped",
                   f"{_show(node)} should be {_show(node.args[0])} (an extra transpose)"))
    matrix_operand = lambda n: (isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mult, ast.MatMult)))
    for new, node in _variants(paths, matrix_operand, lambda n: ast.BinOp(_transposed(n.left), n.op, n.right)):
        yield Edit("transpose-extra", new,
                   lambda node=node: (f"{_show(node.left)} transposed",
                   f"the transpose of {_show(node.left)} is missing"))
    for new, node in _variants(paths, matrix_operand, lambda n: ast.BinOp(n.left, n.op, _transposed(n.right))):
        yield Edit("transpose-extra", new,
                   lambda node=node: (f"{_show(node.right)} transposed",
                   f"the transpose of {_show(node.right)} is missing"))
    yield from _derivative_edits(tree, paths)
    for new, node in _variants(paths, _layer_subscript, lambda n: _shift(n, +1)):
        yield Edit("layer", new, lambda node=node: (f"{_show(node)} taken one layer up",
                   f"{_show(node)} should be {_show(_shift(node, +1))} (one layer off)"))
    for new, node in _variants(paths, _layer_subscript, lambda n: _shift(n, -1)):
        yield Edit("layer", new,
                   lambda node=node: (f"{_show(node)} taken one layer down",
                   f"{_show(node)} should be {_show(_shift(node, -1))} (one layer off)"))
    pair = lambda n: isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Tuple) and len(n.slice.elts) == 2
    for new, node in _variants(paths, pair, lambda n: ast.Subscript(n.value, ast.Tuple(n.slice.elts[::-1], ast.Load()), ast.Load())):
        fixed = ast.Subscript(node.value, ast.Tuple(node.slice.elts[::-1], ast.Load()), ast.Load())
        yield Edit("index-swap", new,
                   lambda node=node, fixed=fixed: (f"indices of {_show(node)} swapped",
                   f"{_show(node)} should be {_show(fixed)} (swapped indices)"))
    yield from _index_renames(tree, paths)
    yield from _index_changes(tree, paths)
    yield Edit("factor-2", _new(ast.BinOp(ast.Constant(2), ast.Mult(), body)),
               lambda: ("a factor 2 added",
                   "the formula is half the true value (a factor 2 is missing)"))
    yield Edit("factor-half", _new(ast.BinOp(body, ast.Div(), ast.Constant(2))),
               lambda: ("a factor ½ added",
                   "the formula is twice the true value (a spurious factor 2)"))
    if batch:
        yield Edit("batch-mean", _new(ast.BinOp(body, ast.Div(), ast.Constant(batch))),
                   lambda: (f"divided by the batch size {batch}",
                   f"the 1/N of the batch mean is missing (N = {batch})"))
        yield Edit("batch-mean", _new(ast.BinOp(ast.Constant(batch), ast.Mult(), body)),
                   lambda: (f"multiplied by the batch size {batch}",
                   f"a spurious 1/N (N = {batch}): the loss is a sum over the batch"))
    for new, node in _variants(paths, matrix_operand, lambda n: ast.BinOp(n.right, n.op, n.left)):
        yield Edit("operands", new,
                   lambda node=node: (f"the factors of {_show(node)} swapped",
                   f"{_show(node)} multiplies the wrong way round: {_show(ast.BinOp(node.right, node.op, node.left))}"))


def _derivative_edits(tree: ast.Expression, paths: _Paths) -> Iterator[Edit]:
    factor = lambda n: (isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mult, ast.Mod))
                        and (_is_call(n.left, DERIVATIVE_FUNCS) or _is_call(n.right, DERIVATIVE_FUNCS)))
    for new, node in _variants(paths, factor, lambda n: n.right if _is_call(n.left, DERIVATIVE_FUNCS) else n.left):
        gone = node.left if _is_call(node.left, DERIVATIVE_FUNCS) else node.right
        yield Edit("fprime-missing", new,
                   lambda gone=gone: (f"the factor {_show(gone)} dropped",
                   f"an extra activation-derivative factor {_show(gone)}"))
    yield from _activation_for_derivative(paths)
    entries = sorted({_show(n) for n in paths.nodes if isinstance(n, ast.Subscript)
                      and _layer_subscript(n.value) and n.value.value.id in ("z", "delta", "a")
                      and not isinstance(n.slice, ast.Tuple)}, key=str)
    for text in entries:  # an entry formula: δ_j = (a_j − y_j) f'(z_j)
        node = ast.parse(text, mode="eval").body
        z = ast.Subscript(ast.Subscript(ast.Name("z", ast.Load()), node.value.slice, ast.Load()),
                          node.slice, ast.Load())
        new = ast.BinOp(tree.body, ast.Mult(), _call("fprime", z))
        yield Edit("fprime-extra", _new(new), lambda z=z: (f"an extra factor fprime({_show(z)})",
                   f"the activation-derivative factor fprime({_show(z)}) is missing"))
    layered = [n for n in paths.nodes if _layer_subscript(n) and n.value.id in ("z", "delta", "a")]
    layers = sorted({_show(n.slice) for n in layered}
                    # δ^(l+1) passed back to layer l needs f'(z^(l)): one layer down too
                    | {_show(_shift(n, -1).slice) for n in layered if n.value.id == "delta"})
    for layer in layers:
        z = ast.Subscript(ast.Name("z", ast.Load()), ast.parse(layer, mode="eval").body, ast.Load())
        new = ast.BinOp(_call("fprime", z), ast.Mod(), tree.body)
        yield Edit("fprime-extra", _new(new),
                   lambda layer=layer: (f"an extra factor fprime(z[{layer}])",
                   f"the activation-derivative factor fprime(z[{layer}]) is missing"))


def _activation_for_derivative(paths: _Paths) -> Iterator[Edit]:
    """f ↔ f′ for any activation: σ(z) (or a = σ(z)) written where σ′(z) belongs, and
    the derivative written where the activation belongs."""
    for new, node in _variants(paths, _activation_of_z, lambda n: _call("fprime", n.args[0])):
        yield Edit("fprime-for-activation", new,
                   lambda node=node: (f"{_show(node)} replaced by fprime({_show(node.args[0])})",
                   f"{_show(node)} should be the derivative fprime({_show(node.args[0])})"))
    for new, node in _variants(paths, _activation_value, lambda n: _call("fprime", _z_of(n))):
        yield Edit("fprime-for-activation", new,
                   lambda node=node: (f"{_show(node)} replaced by fprime({_show(_z_of(node))})",
                   f"{_show(node)} should be the derivative fprime({_show(_z_of(node))})"))
    derivative = lambda n: _is_call(n, DERIVATIVE_FUNCS) and len(n.args) == 1
    for new, node in _variants(paths, derivative, lambda n: _call("f", n.args[0])):
        yield Edit("fprime-for-activation", new,
                   lambda node=node: (f"{_show(node)} replaced by f({_show(node.args[0])})",
                   f"{_show(node)} should be the activation f({_show(node.args[0])}), "
                   f"not its derivative"))


def _activation_of_z(node: ast.AST) -> bool:
    """sigmoid(z[l]), tanh(H1), f(z[L][j]): an activation applied to its argument."""
    return _is_call(node, ACTIVATION_FUNCS) and len(node.args) == 1


def _activation_value(node: ast.AST) -> bool:
    """a[l] or a[l][j], the activation's value."""
    base = node.value if isinstance(node, ast.Subscript) and not _layer_subscript(node) else node
    return _layer_subscript(base) and base.value.id == "a" and \
        (base is node or isinstance(node.slice, ast.Name))


def _z_of(node: ast.Subscript) -> ast.Subscript:
    """z[l] (its entry) for a[l] (its entry)."""
    if _layer_subscript(node):
        return ast.Subscript(ast.Name("z", ast.Load()), node.slice, ast.Load())
    return ast.Subscript(_z_of(node.value), node.slice, ast.Load())


def _index_renames(tree: ast.Expression, paths: _Paths) -> Iterator[Edit]:
    """δ_i a_j → δ_j a_i: two entry indices exchanged everywhere."""
    layer_names = {m.id for n in paths.nodes if _layer_subscript(n)
                   for m in walk(n.slice) if isinstance(m, ast.Name)}
    names = sorted({m.id for n in paths.nodes if isinstance(n, ast.Subscript)
                    and not _layer_subscript(n) for m in walk(n.slice) if isinstance(m, ast.Name)}
                   - layer_names - bound_indices(tree))
    for k, first in enumerate(names):
        for second in names[k + 1:]:
            new = _renamed(tree, {first: second, second: first})
            yield Edit("index-swap", new,
                       lambda first=first, second=second: (f"indices {first} and {second} exchanged",
                   f"indices {first} and {second} are exchanged"))


def _renamed(node: ast.AST, swap: dict[str, str]) -> ast.AST:
    """The tree with names renamed by `swap`: new nodes only on the paths to a renamed
    name, every other sub-tree shared (as `_Paths.replaced` does)."""
    def rename(n: ast.AST) -> ast.AST | None:
        if not isinstance(n, ast.Name):
            return None
        if n.id not in swap:
            return n
        new = _shallow(n)
        new.id = swap[n.id]
        return new
    return mapped(node, rename)


def mapped(node: ast.AST, fn: Callable[[ast.AST], ast.AST | None]) -> ast.AST:
    """`node` with every sub-tree for which `fn` gives a replacement replaced (top-down,
    a replaced sub-tree is not entered); new nodes only on the paths to a change."""
    done = fn(node)
    if done is not None:
        return done
    changes = {}
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            new = mapped(value, fn)
            if new is not value:
                changes[name] = new
        elif isinstance(value, list):
            new_list = [mapped(v, fn) if isinstance(v, ast.AST) else v for v in value]
            if any(a is not b for a, b in zip(new_list, value)):
                changes[name] = new_list
    if not changes:
        return node
    copy_ = node.__class__.__new__(node.__class__)
    copy_.__dict__.update(node.__dict__)
    for name, value in changes.items():
        setattr(copy_, name, value)
    return copy_


def _index_changes(tree: ast.Expression, paths: _Paths) -> Iterator[Edit]:
    """δ_i where δ_j belongs: one entry index replaced by another of the formula's."""
    entry = lambda n: (isinstance(n, ast.Subscript) and not _layer_subscript(n)
                       and isinstance(n.slice, ast.Name))
    names = sorted({n.slice.id for n in paths.nodes if entry(n)})
    for other in names:
        for new, node in _variants(paths, lambda n: entry(n) and n.slice.id != other,
                                   lambda n: ast.Subscript(n.value, ast.Name(other, ast.Load()), ast.Load())):
            fixed = ast.Subscript(node.value, ast.Name(other, ast.Load()), ast.Load())
            yield Edit("index-swap", new,
                       lambda node=node, fixed=fixed, other=other: (f"{_show(node)} indexed by {other}",
                   f"{_show(node)} should be {_show(fixed)} (wrong index)"))


def _transposed(node: ast.AST) -> ast.AST:
    if _is_call(node, TRANSPOSE_FUNCS) and len(node.args) == 1:
        return node.args[0]
    return _call("transpose", node)


def _shift(node: ast.Subscript, step: int) -> ast.Subscript:
    """W[l+1] → W[l+2] or W[l]: the offset is folded so indices stay readable."""
    base, offset = node.slice, 0
    if (isinstance(base, ast.BinOp) and isinstance(base.op, (ast.Add, ast.Sub))
            and isinstance(base.right, ast.Constant) and isinstance(base.right.value, int)):
        offset = base.right.value if isinstance(base.op, ast.Add) else -base.right.value
        base = base.left
    offset += step
    if isinstance(base, ast.Constant) and isinstance(base.value, int):
        index: ast.AST = ast.Constant(base.value + offset)
    elif offset == 0:
        index = base
    else:
        op = ast.Add() if offset > 0 else ast.Sub()
        index = ast.BinOp(base, op, ast.Constant(abs(offset)))
    return ast.Subscript(node.value, index, ast.Load())
