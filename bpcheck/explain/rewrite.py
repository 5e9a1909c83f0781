"""When no small edit repairs a formula: the first-principles result in its own words.

Two sources of candidates, each only a proposal that the diagnosis screens and then
decides in full (a rewrite is shown only when VERIFIED, and labelled as a rewrite):

* the formula read for the whole vector: an entry formula (`a_k̃ − 1`, or the one-hot
  vector built from it) where the quantity is a vector becomes the vector form, with
  the one-hot target's 1 read as y (`a − y`);
* the result a course writes for the quantity, in the claim's vocabulary (δ, a, z, W,
  f′, y): ∂z_j^(l+1)/∂z_i^(l) = W_ji f′(z_i), ∂J/∂W = δ aᵀ, ∂a/∂z of a softmax, δ^(L)
  for each loss, …, for either layer numbering (the decision tells which one holds).
"""
from __future__ import annotations

import ast
from typing import Iterator

from ..catalog.formula import bound_indices, walk
from .edits import Edit, _call, _is_call, _layer_subscript, _new, _shift, _show, _tree
from .slips import mapped


def rewrites(left: ast.Expression, wrong: ast.Expression, loss: str) -> Iterator[Edit]:
    yield from _whole_vector(wrong)
    for text in _course_forms(left, loss):
        tree = _tree(text)
        if _show(tree.body) != _show(left.body):
            yield _rewrite(tree)


def _rewrite(tree: ast.Expression) -> Edit:
    return Edit("rewrite", tree, lambda: (
        "rewritten from first principles",
        f"no small edit repairs it; the first-principles result is {_show(tree.body)}"))


def _whole_vector(wrong: ast.Expression) -> Iterator[Edit]:
    body = wrong.body
    if _is_call(body, {"onehot"}) and len(body.args) == 3:
        body = body.args[2]  # 1_k(v): the entry v, read for the whole vector
    bound = bound_indices(wrong)
    names = sorted({n.slice.id for n in walk(body) if isinstance(n, ast.Subscript)
                    and isinstance(n.slice, ast.Name) and n.slice.id not in bound})
    for name in names:
        dropped = mapped(body, lambda n: n.value if isinstance(n, ast.Subscript)
                         and isinstance(n.slice, ast.Name) and n.slice.id == name else None)
        target = mapped(dropped, lambda n: ast.Name("y", ast.Load())
                        if isinstance(n, ast.Constant) and n.value == 1 else None)
        forms = [dropped, target, ast.BinOp(ast.Name("y", ast.Load()), ast.Mod(), dropped)]
        forms += [_call("onehot", ast.Subscript(ast.Name("n", ast.Load()), layer, ast.Load()),
                        ast.Name(name, ast.Load()), body) for layer in _layers_of(body, name)]
        for form in forms:
            yield _rewrite(_new(form))


def _layers_of(body: ast.AST, name: str) -> list[ast.AST]:
    """The layers of the vectors whose entry `name` the formula takes (z[L][k] → L)."""
    found = {}
    for n in walk(body):
        if isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Name) \
                and n.slice.id == name and _layer_subscript(n.value):
            found.setdefault(_show(n.value.slice), n.value.slice)
    return list(found.values())


def _course_forms(left: ast.Expression, loss: str) -> list[str]:
    """The standard results for `diff(F, X)` in a network's vocabulary."""
    node = left.body
    if not (_is_call(node, {"diff"}) and len(node.args) == 2):
        return []
    f, x = node.args
    if isinstance(f, ast.Name) and f.id == loss:
        return _loss_forms(x)
    if _layered(f, "z") and _layered(x, "z"):
        return _z_by_z(f, x)
    if _layered(f, "a") and _layered(x, "z"):
        return _a_by_z(f, x)
    return []


def _layered(node: ast.AST, name: str) -> bool:
    base = node.value if isinstance(node, ast.Subscript) and not _layer_subscript(node) else node
    return _layer_subscript(base) and base.value.id == name


def _parts(node: ast.AST) -> tuple[str, str]:
    """("l + 1", "j") for z[l + 1][j]; (layer, "") for a whole vector."""
    if _layer_subscript(node):
        return _show(node.slice), ""
    index = node.slice
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return _show(node.value.slice), ", ".join(_show(p) for p in parts)


def _layer_forms(layer: str) -> list[str]:
    """The layer itself and its neighbours, folded (l + 1 - 1 → l)."""
    node = ast.Subscript(ast.Name("n", ast.Load()), ast.parse(layer, mode="eval").body,
                         ast.Load())
    return [layer] + [_show(_shift(node, step).slice) for step in (-1, +1)]


def _z_by_z(f: ast.AST, x: ast.AST) -> list[str]:
    (up, j), (low, i) = _parts(f), _parts(x)
    out = []
    for layer in dict.fromkeys(_layer_forms(up)[:2]):  # W^(l+1) or, numbered UFLDL, W^(l)
        if i and j:
            out += [f"W[{layer}][{j}, {i}] * fprime(z[{low}][{i}])",
                    f"W[{layer}][{i}, {j}] * fprime(z[{low}][{i}])"]
        elif not i and not j:
            out += [f"W[{layer}] * diag(fprime(z[{low}]))",
                    f"diag(fprime(z[{low}])) * transpose(W[{layer}])"]
    return out


def _a_by_z(f: ast.AST, x: ast.AST) -> list[str]:
    (layer, i), (low, j) = _parts(f), _parts(x)
    if i or j:
        return [f"a[{layer}][{i}] * (kdelta({i}, {j}) - a[{layer}][{j}])",
                f"fprime(z[{low}][{i}]) * kdelta({i}, {j})"]
    return [f"diag(fprime(z[{low}]))", f"diag(a[{layer}]) - a[{layer}] * transpose(a[{layer}])"]


def _loss_forms(x: ast.AST) -> list[str]:
    if _layered(x, "z"):
        layer, i = _parts(x)
        entry = f"[{i}]" if i else ""
        up = _layer_forms(layer)[2]
        prod = "*" if i else "⊙"
        out = [f"a[{layer}]{entry} - y{entry}",
               f"(a[{layer}]{entry} - y{entry}) {prod} fprime(z[{layer}]{entry})",
               f"-y{entry} {prod} fprime(z[{layer}]{entry}) / a[{layer}]{entry}"]
        if not i:
            out += [f"fprime(z[{layer}]) ⊙ (transpose(W[{w}]) * delta[{up}])"
                    for w in dict.fromkeys((up, layer))]
        return out
    for name, forms in (("W", _weight_forms), ("b", _bias_forms)):
        if _layered(x, name):
            return forms(*_parts(x))
    return []


def _weight_forms(layer: str, entry: str) -> list[str]:
    down, _, up = _layer_forms(layer)
    if entry:
        i, j = (s.strip() for s in entry.split(","))
        return [f"delta[{layer}][{i}] * a[{down}][{j}]", f"delta[{up}][{i}] * a[{layer}][{j}]"]
    return [f"delta[{layer}] * transpose(a[{down}])", f"delta[{up}] * transpose(a[{layer}])"]


def _bias_forms(layer: str, entry: str) -> list[str]:
    up = _layer_forms(layer)[2]
    index = f"[{entry}]" if entry else ""
    return [f"delta[{layer}]{index}", f"delta[{up}]{index}"]
