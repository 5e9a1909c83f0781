"""What the symbols of a formula mean: a network's layered W, b, z, a, δ, or a scalar setting's
names and sizes; and how far an index runs, from what it indexes."""
from __future__ import annotations

import ast
from dataclasses import dataclass

from .macros import Macro
from .tree import binop, ident, subscript
from ..model import Setting


@dataclass(frozen=True)
class TexContext:
    """What symbols mean: a network's layered W, b, z, a, δ, or a scalar setting's names."""

    network: bool = True
    names: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()  # declared functions g (g' -> gprime)
    sizes: tuple[tuple[str, tuple[int, ...]], ...] = ()  # scalar vectors and matrices
    numbering: str = "standard"
    orientation: str = "out_in"
    loss: str = "J"
    depth: str = "L"
    batch: bool = False  # samples as columns: capital Z^{[l]}, A^{[l]} are the layers' z, a
    batch_size: int = 0  # m (or N) in a batch setting: the number of samples
    hadamard: tuple[str, ...] = ()  # hadamard=*: symbols the note uses for ⊙ (NumPy's *)
    samples: frozenset[str] = frozenset()  # samples=i: y^{(i)}, a^{[l](i)} are sample i
    mapped: frozenset[str] = frozenset()  # names= of the note: its names for the setting's
    activation_symbol: str = ""  # activation_symbol=\phi: the note's name for f ("phi")
    batch_symbols: frozenset[str] = frozenset({"m", "N"})  # the batch's size in formulas
    macros: tuple[tuple[str, Macro], ...] = ()  # \newcommand etc. the note defines
    layer_names: tuple[tuple[str, int], ...] = ()  # layers=h,o: W^h is W[1], W^o is W[2]
    layer_marks: str = "superscript"  # or "subscript": W_h, z_{o,j}
    unmarked: str = ""  # the layer (formula text) that bare W, b, z, a, δ mean
    gradient_prefix: str = ""  # "d": dW^{[l]} is ∂J/∂W^{[l]}
    per_example: int = 0  # batch size when J is the batch mean: dZ, dA are N·∂J/∂Z, N·∂J/∂A
    activation: str = "sigmoid"  # the one activation of every layer, "" when they differ
    ell_is_loss: bool = True  # \ell is the loss unless the loss is stated as another symbol
    true_class: str = ""  # true_class=k: the note's letter for a one-hot target's class
    other_class: str = ""  # other_class=j: its letter for an incorrect class (j ≠ k)
    digit_layers: tuple[tuple[str, str], ...] = ()  # layer_digits= etc. (notes.entrylayers)
    nabla_of: str = ""  # the variable (LaTeX) of a bare \nabla C, from context (notes.gradvar)
    nabla_from: str = ""  # where it came from, said in the reading
    nabla_candidates: tuple[str, ...] = ()  # what the context named (several: ambiguous)
    applied: tuple[tuple[str, tuple], ...] = ()  # names=s:a applied to x + c: the output's f
    width_symbol: str = ""  # width_symbol=d: d_l is the width n_l (notes.widthletter)
    sample_sums: bool = False  # an index-free \sum of a batch matrix sums the samples (samplesum)


def context_for(setting: Setting, extra: tuple[str, ...] = ()) -> TexContext:
    from ..catalog.files import setting_names
    from ..catalog.schema import _activation_symbol, hadamard_symbols
    names = frozenset(setting_names(setting)) | frozenset(extra)
    if setting.kind == "network":
        numbering = setting.get("numbering", "standard")
        layers = _layer_numbers(setting, numbering)
        unmarked = str(setting.get("unmarked", "")).strip()
        return TexContext(True, names, numbering=numbering,
                          orientation=setting.get("orientation", "out_in"),
                          loss=setting.loss_name(), depth=setting.get("depth_symbol", "L"),
                          batch=bool(setting.get("batch", 0)), layer_names=layers,
                          batch_size=int(setting.get("batch", 0) or 0),
                          hadamard=hadamard_symbols(setting.get("hadamard", ())),
                          samples=frozenset(_letters(setting.get("samples", ()))),
                          activation_symbol=_activation_symbol(setting.get("activation_symbol", "")),
                          batch_symbols=frozenset(_letters(setting.get("batch_symbol", ())))
                          or frozenset({"m", "N"}),
                          layer_marks=setting.get("layer_marks", "superscript"),
                          unmarked=str(dict(layers).get(unmarked, unmarked)),
                          gradient_prefix=setting.get("gradient_prefix", ""),
                          per_example=int(setting.get("batch", 0) or 0)
                          if setting.get("reduction", "sum") == "mean" else 0,
                          activation=_one_activation(setting),
                          ell_is_loss=setting.get("loss_symbol", r"\ell").strip() == r"\ell")
    sizes = [(n, (int(k),)) for n, k in setting.get("vectors", ()) or ()]
    sizes += [(n, tuple(int(d) for d in shape)) for n, shape in setting.get("matrices", ()) or ()]
    functions = (setting.get("functions", ()) or ()) + (setting.get("elementwise", ()) or ())
    return TexContext(False, names, frozenset(functions), tuple(sizes))


def _letters(value: object) -> list[str]:
    """`i`, `i,l` or a list: single letters (anything else is refused by the schema)."""
    items = value.split(",") if isinstance(value, str) else list(value) if value else []
    return [str(v).strip() for v in items if str(v).strip()]


def _one_activation(setting: Setting) -> str:
    hidden = setting.get("activation", "sigmoid")
    return hidden if setting.get("output", hidden) == hidden else ""


def _layer_numbers(setting: Setting, numbering: str) -> tuple[tuple[str, int], ...]:
    """`layers` names the layers after the input, in order (or every layer, the input
    first); the input is layer 0 (standard numbering) or 1 (ufldl)."""
    from ..catalog.schema import layer_names
    names = layer_names(setting.get("layers", ()))
    first = 0 if numbering == "standard" else 1
    if len(names) < len(setting.get("widths", ()) or ()):
        first += 1  # the input is not named
    return tuple((n, first + k) for k, n in enumerate(names))


NETWORK = context_for(Setting("network", "network", ()))


def infer_range(trees: list[ast.AST], var: str, ctx: TexContext) -> str | None:
    """Upper end of index `var` (text), from where it indexes a sized quantity."""
    for tree in trees:
        hi = size_of(tree, var, ctx)
        if hi is not None:
            return ast.unparse(hi)
    return None


def size_of(tree: ast.AST, var: str, ctx: TexContext) -> ast.expr | None:
    """Size of the dimension that `var` indexes somewhere in `tree`, or None."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Subscript):
            continue
        idx = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        pos = next((k for k, e in enumerate(idx) if isinstance(e, ast.Name) and e.id == var), None)
        dims = _dims(node.value, ctx) if pos is not None else None
        if dims and len(dims) == 2 and len(idx) == 1:
            continue  # W^{(2)}_k: one index on a row or column, which one is not known here
        if dims and pos < len(dims):
            return dims[pos]
    return None


def _dims(base: ast.expr, ctx: TexContext) -> list[ast.expr] | None:
    if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) \
            and base.func.id == "column" and len(base.args) == 2:
        rows = _dims(base.args[0], ctx)  # a sample: a column of the batch matrix
        return rows[:1] if rows else None
    if isinstance(base, ast.Call) and len(base.args) == 1 and isinstance(base.func, ast.Name) \
            and base.func.id in ("softmax", "sigmoid", "exp", "tanh", "fprime", "f", "relu"):
        return _dims(base.args[0], ctx)
    if not ctx.network:
        if isinstance(base, ast.Name):
            return [ast.Constant(d) for d in dict(ctx.sizes).get(base.id, ())] or None
        return None
    first = 0 if ctx.numbering == "standard" else 1
    if isinstance(base, ast.Name) and base.id in ("y", "yhat", "x"):
        return [subscript(ident("n"), ident(ctx.depth) if base.id != "x" else ast.Constant(first))]
    if not (isinstance(base, ast.Subscript) and isinstance(base.value, ast.Name)):
        return None

    def n(shift: int) -> ast.expr:
        layer = base.slice
        if isinstance(layer, ast.Constant) and isinstance(layer.value, int):
            layer = ast.Constant(layer.value + shift)
        elif shift:
            layer = binop(layer, ast.Add() if shift > 0 else ast.Sub(), ast.Constant(abs(shift)))
        return subscript(ident("n"), layer)
    symbol, ufldl = base.value.id, ctx.numbering == "ufldl"
    if symbol in ("a", "z", "delta"):  # in a batch: a matrix, one column per sample
        return [n(0)] + ([ast.Constant(ctx.batch_size)] if ctx.batch_size else [])
    if symbol == "x":  # x^{(l)} = a^{(l-1)}
        return [n(-1)]
    if symbol in ("b", "B"):
        return [n(1 if ufldl else 0)]
    if symbol == "W":
        rows, cols = (n(1), n(0)) if ufldl else (n(0), n(-1))
        return [cols, rows] if ctx.orientation == "in_out" else [rows, cols]
    return None
