"""The slips backprop formulas are written with, beyond `edits.py`'s small edits.

What course notes get wrong when they write a gradient: a sum's bound one layer off,
a_i where a_j is meant, a layer shift made in one symbol but not in its twin, an entry
where the whole vector is meant, the kernel not flipped, the softmax Jacobian taken as
its diagonal, the derivative of the wrong activation, one term's sign, an extra term,
an outer product in the wrong order.  Each yields `Edit`s (a new tree sharing what it
did not touch, and the sentence that says what changed); only the diagnosis uses them.
"""
from __future__ import annotations

import ast
from typing import Iterator

from ..catalog.formula import walk
from .edits import Edit, _Paths, mapped, _call, _is_call, _layer_subscript, _new, _shift, _show, \
    _variants

SUMS = {"sum", "Sum"}
ACTIVATION_VALUES = {"sigmoid": "sigmoid", "tanh": "tanh"}


def slips(tree: ast.Expression) -> Iterator[Edit]:
    """Every slip of a formula's tree (the tree itself is never changed)."""
    paths = _Paths.of(tree)
    yield from _bounds(paths)
    yield from _index_slips(tree, paths)
    yield from _consistent_layers(tree, paths)
    yield from _whole_vectors(paths)
    yield from _kernel_flips(paths)
    yield from _jacobians(paths)
    yield from _wrong_activation_derivatives(paths)
    yield from _terms(paths)
    yield from _outer_orders(paths)


def _sum_range(node: ast.AST) -> ast.Tuple | None:
    if _is_call(node, SUMS) and len(node.args) == 2 and isinstance(node.args[1], ast.Tuple) \
            and len(node.args[1].elts) == 3 and isinstance(node.args[1].elts[0], ast.Name):
        return node.args[1]
    return None


def _bounds(paths: _Paths) -> Iterator[Edit]:
    """Σ_{j=1}^{S_l} where S_(l−1) is meant: the upper bound a layer (or one) off."""
    for node in [n for n in paths.nodes if _sum_range(n) is not None]:
        k, low, high = _sum_range(node).elts
        options = []
        if isinstance(high, ast.Subscript) and isinstance(high.value, ast.Name):
            options += [_shift(high, -1), _shift(high, +1)]
        options += [ast.BinOp(high, ast.Sub(), ast.Constant(1)),
                    ast.BinOp(high, ast.Add(), ast.Constant(1))]
        for new_high in options:
            bounds = ast.Tuple([k, low, new_high], ast.Load())
            call = ast.Call(node.func, [node.args[0], bounds], [])
            yield Edit("bound", paths.replaced(node, call),
                       lambda k=k, high=high, new=new_high: (
                           f"the sum over {k.id} runs to {_show(new)}",
                           f"the sum over {k.id} should run to {_show(new)}, not {_show(high)}"))


def _entry(node: ast.AST) -> bool:
    """a[l][i], delta[L][k]: one entry of a layer's vector, by an index name."""
    return isinstance(node, ast.Subscript) and _layer_subscript(node.value) \
        and isinstance(node.slice, ast.Name)


def _index_names(tree: ast.Expression) -> list[str]:
    names = set()
    for node in walk(tree):
        if isinstance(node, ast.Subscript) and not _layer_subscript(node):
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            names |= {p.id for p in parts if isinstance(p, ast.Name)}
        if _sum_range(node) is not None:
            names.add(_sum_range(node).elts[0].id)
    layer_names = {m.id for n in walk(tree) if _layer_subscript(n) for m in walk(n.slice)
                   if isinstance(m, ast.Name)}
    return sorted(names - layer_names)


def _index_slips(tree: ast.Expression, paths: _Paths) -> Iterator[Edit]:
    """a_i where a_j is meant (one entry, any index name of the formula, the summed ones
    too), and z_j^(l+1) for z_i^(l+1) in every place the formula writes it."""
    names = _index_names(tree)
    for other in names:
        for new, node in _variants(paths, lambda n: _entry(n) and n.slice.id != other,
                                   lambda n: ast.Subscript(n.value, ast.Name(other, ast.Load()),
                                                           ast.Load())):
            yield Edit("index", new, lambda node=node, other=other: (
                f"{_show(node)} indexed by {other}",
                f"{_show(node)} should be {_show(node.value)}[{other}] (wrong index)"))
    groups = {}
    for node in paths.nodes:
        if _entry(node):
            groups.setdefault((_show(node.value), node.slice.id), []).append(node)
    for (vector, index), nodes in sorted(groups.items()):
        if len(nodes) < 2:
            continue
        for other in names:
            if other == index:
                continue
            swap = lambda n, vector=vector, index=index, other=other: (
                ast.Subscript(n.value, ast.Name(other, ast.Load()), ast.Load())
                if _entry(n) and n.slice.id == index and _show(n.value) == vector else None)
            yield Edit("index", _new(mapped(tree.body, swap)),
                       lambda vector=vector, index=index, other=other: (
                           f"{vector}[{index}] indexed by {other} throughout",
                           f"{vector}[{index}] should be {vector}[{other}] throughout (wrong index)"))


def _consistent_layers(tree: ast.Expression, paths: _Paths) -> Iterator[Edit]:
    """A layer shift made in every place a symbol appears (δ^(l+1) … ∂z^(l+1) → layer l),
    and in every layered symbol of the formula at once."""
    groups = {}
    for node in paths.nodes:
        if _layer_subscript(node):
            groups.setdefault(_show(node), []).append(node)
    for text in sorted(t for t, nodes in groups.items() if len(nodes) > 1):
        for step in (-1, +1):
            moved = lambda n, text=text, step=step: (
                _shift(n, step) if _layer_subscript(n) and _show(n) == text else None)
            shifted = _show(_shift(groups[text][0], step))
            yield Edit("layer", _new(mapped(tree.body, moved)),
                       lambda text=text, shifted=shifted: (
                           f"{text} taken as {shifted} throughout",
                           f"{text} should be {shifted} throughout (one layer off)"))
    if len(groups) > 1:
        for step in (-1, +1):
            moved = lambda n, step=step: _shift(n, step) if _layer_subscript(n) else None
            way = "down" if step < 0 else "up"
            yield Edit("layer", _new(mapped(tree.body, moved)),
                       lambda way=way: (f"every layer index moved one {way}",
                                        f"every layer index is one off (should be one {way})"))


def _whole_vectors(paths: _Paths) -> Iterator[Edit]:
    """f(z_j^(L)) where the vector f(z^(L)) is meant: an entry for its whole vector."""
    for new, node in _variants(paths, _entry, lambda n: n.value):
        yield Edit("index-drop", new, lambda node=node: (
            f"{_show(node)} taken as the whole {_show(node.value)}",
            f"{_show(node)} should be the whole vector {_show(node.value)}"))


def _kernel_flips(paths: _Paths) -> Iterator[Edit]:
    """∂L/∂X of a convolution correlates with the flipped kernel (and ∂L/∂K never flips)."""
    conv = lambda n: _is_call(n, {"conv2d"}) and len(n.args) == 2
    for new, node in _variants(paths, conv, lambda n: ast.Call(
            n.func, [n.args[0], _flipped(n.args[1])], [])):
        kernel = node.args[1]
        yield Edit("flip", new, lambda kernel=kernel: (
            f"{_show(kernel)} flipped",
            f"the kernel {_show(kernel)} should be flipped: {_show(_flipped(kernel))}"))


def _flipped(node: ast.AST) -> ast.AST:
    return node.args[0] if _is_call(node, {"rot180"}) and len(node.args) == 1 \
        else _call("rot180", node)


def _product_of(node: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Mod)):
        return node.left, node.right
    return None


def _one_minus(node: ast.AST) -> ast.AST | None:
    """u for 1 − u."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) \
            and isinstance(node.left, ast.Constant) and node.left.value == 1:
        return node.right
    return None


def _logistic_form(node: ast.AST) -> ast.AST | None:
    """u for u ⊙ (1 − u) or (1 − u) ⊙ u: the sigmoid's derivative written out."""
    pair = _product_of(node)
    if pair is None:
        return None
    for u, rest in (pair, pair[::-1]):
        v = _one_minus(rest)
        if v is not None and _show(v) == _show(u):
            return u
    return None


def _chained_logistic(node: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    """(g, u) for g ⊙ u ⊙ (1 − u), read (g ⊙ u) ⊙ (1 − u): the derivative at a chain's end."""
    pair = _product_of(node)
    inner = _product_of(pair[0]) if pair is not None else None
    if inner is None or type(node.left.op) is not type(node.op):
        return None
    v = _one_minus(pair[1])
    if v is not None and _show(v) == _show(inner[1]):
        return inner[0], inner[1]
    return None


def _square_form(node: ast.AST) -> ast.AST | None:
    """u for 1 − u ⊙ u or 1 − u**2: tanh's derivative written out."""
    v = _one_minus(node)
    if v is None:
        return None
    pair = _product_of(v)
    if pair is not None and _show(pair[0]) == _show(pair[1]):
        return pair[0]
    if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Pow) and \
            isinstance(v.right, ast.Constant) and v.right.value == 2:
        return v.left
    return None


def _jacobians(paths: _Paths) -> Iterator[Edit]:
    """diag(a ⊙ (1 − a)) for the softmax Jacobian diag(a) − a aᵀ, and the other way."""
    diag_of = lambda n: _is_call(n, {"diag"}) and len(n.args) == 1 \
        and _logistic_form(n.args[0]) is not None
    for new, node in _variants(paths, diag_of, lambda n: _softmax_jacobian(
            _logistic_form(n.args[0]))):
        u = _logistic_form(node.args[0])
        yield Edit("jacobian", new, lambda node=node, u=u: (
            f"{_show(node)} taken as the full Jacobian",
            f"the elementwise derivative {_show(node)} should be the Jacobian "
            f"{_show(_softmax_jacobian(u))}"))
    for new, node in _variants(paths, _is_softmax_jacobian, lambda n: _call("diag", ast.BinOp(
            n.left.args[0], ast.Mod(), ast.BinOp(ast.Constant(1), ast.Sub(), n.left.args[0])))):
        yield Edit("jacobian", new, lambda node=node: (
            f"{_show(node)} taken elementwise",
            f"the Jacobian {_show(node)} should be the elementwise derivative"))


def _is_softmax_jacobian(node: ast.AST) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) \
        and _is_call(node.left, {"diag"}) and len(node.left.args) == 1 \
        and _show(node) == _show(_softmax_jacobian(node.left.args[0]))


def _softmax_jacobian(u: ast.AST) -> ast.AST:
    return ast.BinOp(_call("diag", u), ast.Sub(), ast.BinOp(u, ast.Mult(), _call("transpose", u)))


def _wrong_activation_derivatives(paths: _Paths) -> Iterator[Edit]:
    """σ(1 − σ) in a tanh network, 1 − tanh² in a sigmoid one: the other activation's
    derivative, replaced by the other form or by f′ of the argument."""
    for new, node in _variants(paths, lambda n: _logistic_form(n) is not None,
                               lambda n: _square(_logistic_form(n))):
        yield Edit("activation-derivative", new, lambda node=node: (
            f"{_show(node)} written as tanh's derivative",
            f"{_show(node)} is the sigmoid's derivative; the activation's is "
            f"{_show(_square(_logistic_form(node)))}"))
    for new, node in _variants(paths, lambda n: _square_form(n) is not None,
                               lambda n: _logistic(_square_form(n))):
        yield Edit("activation-derivative", new, lambda node=node: (
            f"{_show(node)} written as the sigmoid's derivative",
            f"{_show(node)} is tanh's derivative; the activation's is "
            f"{_show(_logistic(_square_form(node)))}"))
    for new, node in _variants(paths, lambda n: _chained_logistic(n) is not None,
                               lambda n: _chained(n, _chained_logistic(n))):
        yield Edit("activation-derivative", new, lambda node=node: _chained_sentences(node))
    for form in (_logistic_form, _square_form):
        match = lambda n, form=form: form(n) is not None and _argument(form(n)) is not None
        for new, node in _variants(paths, match, lambda n, form=form: _call(
                "fprime", _argument(form(n)))):
            arg = _argument(form(node))
            yield Edit("activation-derivative", new, lambda node=node, arg=arg: (
                f"{_show(node)} replaced by fprime({_show(arg)})",
                f"{_show(node)} is another activation's derivative; it should be "
                f"fprime({_show(arg)})"))


def _chained(node: ast.BinOp, found: tuple[ast.AST, ast.AST]) -> ast.AST:
    return ast.BinOp(found[0], node.op, _derivative_for(found[1]))


def _derivative_for(u: ast.AST) -> ast.AST:
    argument = _argument(u)
    return _call("fprime", argument) if argument is not None else _square(u)


def _chained_sentences(node: ast.BinOp) -> tuple[str, str]:
    u = _chained_logistic(node)[1]
    written = _show(ast.BinOp(u, node.op, node.right))
    fixed = _show(_derivative_for(u))
    return (f"{written} replaced by {fixed}",
            f"{written} is the sigmoid's derivative; the activation's is {fixed}")


def _square(u: ast.AST) -> ast.AST:
    return ast.BinOp(ast.Constant(1), ast.Sub(), ast.BinOp(u, ast.Mod(), u))


def _logistic(u: ast.AST) -> ast.AST:
    return ast.BinOp(u, ast.Mod(), ast.BinOp(ast.Constant(1), ast.Sub(), u))


def _argument(u: ast.AST) -> ast.AST | None:
    """z for σ(z), tanh(z), f(z), and z^(l) (its entry) for a^(l)."""
    if _is_call(u, {"sigmoid", "tanh", "f", "g"}) and len(u.args) == 1:
        return u.args[0]
    base = u.value if isinstance(u, ast.Subscript) and not _layer_subscript(u) else u
    if _layer_subscript(base) and base.value.id == "a":
        z = ast.Subscript(ast.Name("z", ast.Load()), base.slice, ast.Load())
        return z if base is u else ast.Subscript(z, u.slice, ast.Load())
    return None


def _terms(paths: _Paths) -> Iterator[Edit]:
    """σ(1 + σ) for σ(1 − σ): one term's sign; and a term too many."""
    in_index = {id(m) for n in paths.nodes if isinstance(n, ast.Subscript) for m in walk(n.slice)}
    sums = lambda n: isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub)) \
        and id(n) not in in_index
    flip = lambda n: ast.BinOp(n.left, ast.Sub() if isinstance(n.op, ast.Add) else ast.Add(),
                               n.right)
    for new, node in _variants(paths, sums, flip):
        yield Edit("term-sign", new, lambda node=node: (
            f"the sign of {_show(node.right)} flipped",
            f"{_show(node)} should be {_show(flip(node))} (the sign of one term)"))
    for new, node in _variants(paths, sums, lambda n: n.left):
        yield Edit("term-extra", new, lambda node=node: (
            f"the term {_show(node.right)} dropped",
            f"the term {_show(node.right)} of {_show(node)} does not belong"))
    for new, node in _variants(paths, sums, lambda n: n.right if isinstance(n.op, ast.Add)
                               else ast.UnaryOp(ast.USub(), n.right)):
        yield Edit("term-extra", new, lambda node=node: (
            f"the term {_show(node.left)} dropped",
            f"the term {_show(node.left)} of {_show(node)} does not belong"))


def _outer_orders(paths: _Paths) -> Iterator[Edit]:
    """δ aᵀ written a δᵀ: an outer product's two vectors in the wrong order."""
    outer = lambda n: _is_call(n, {"outer"}) and len(n.args) == 2
    for new, node in _variants(paths, outer, lambda n: _call("outer", n.args[1], n.args[0])):
        yield Edit("outer", new, lambda node=node: (
            f"the vectors of {_show(node)} exchanged",
            f"{_show(node)} should be outer({_show(node.args[1])}, {_show(node.args[0])})"))
    column_row = lambda n: isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mult, ast.MatMult)) \
        and _is_call(n.right, {"transpose", "T"}) and len(n.right.args) == 1 \
        and not _is_call(n.left, {"transpose", "T"})
    swap = lambda n: ast.BinOp(n.right.args[0], n.op, _call("transpose", n.left))
    for new, node in _variants(paths, column_row, swap):
        yield Edit("outer", new, lambda node=node: (
            f"the vectors of {_show(node)} exchanged",
            f"{_show(node)} should be {_show(swap(node))} (the outer product's order)"))
