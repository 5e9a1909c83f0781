"""Build a `World` from a claim's setting: a network, or declared scalar symbols."""
from __future__ import annotations

import itertools
from typing import Any

import sympy as sp

from . import linalg as la
from .atoms import partial_of, undefined_function
from .dag import flat, matrix
from .evaluate import EvalError, Evaluator, activation_functions
from ..catalog.formula import parse
from ..model import Setting
from .world import ACTIVATIONS, LOSSES, World, activation, loss_value, parameter, sym_matrix

ORIENTATIONS = ("out_in", "in_out")
NUMBERINGS = ("standard", "ufldl")
LAYOUTS = ("numerator", "denominator")


def build_world(setting: Setting) -> World:
    if setting.kind == "network":
        return build_network(setting)
    return build_scalar(setting)


def _choice(setting: Setting, key: str, options: tuple[str, ...], default: str) -> str:
    value = setting.get(key, default)
    if value not in options:
        raise EvalError(f"setting {setting.name!r}: {key} must be one of {', '.join(options)}")
    return value


def build_network(setting: Setting) -> World:
    widths = list(setting.get("widths"))
    hidden = _choice(setting, "activation", tuple(ACTIVATIONS), "sigmoid")
    output = _choice(setting, "output", tuple(ACTIVATIONS), hidden)
    loss = _choice(setting, "loss", LOSSES + ("generic",), "mse_half")
    numbering = _choice(setting, "numbering", NUMBERINGS, "standard")
    orientation = _choice(setting, "orientation", ORIENTATIONS, "out_in")
    reduction = _choice(setting, "reduction", ("sum", "mean"), "sum")
    target = _choice(setting, "target", ("free", "onehot", "binary", "probability"), "free")
    bias = setting.get("bias", True) is not False
    batch = int(setting.get("batch", 0) or 0)
    cols = max(batch, 1)
    depth = len(widths) - 1
    shift = 0 if numbering == "standard" else 1  # ufldl: layer 1 is the input
    world = World(setting, layout=_choice(setting, "layout", LAYOUTS, "numerator"))
    loss_sym = setting.loss_name()
    world.constants[setting.get("depth_symbol", "L")] = sp.Integer(depth + shift)

    def show(k: int) -> int:  # internal layer k -> the source's layer number
        return k + shift

    x = sym_matrix("x", widths[0], cols)
    y = sym_matrix("y", widths[-1], cols)
    world.add_leaf("x", x)
    if target == "binary":
        world.add_leaf("y", y, 0.05, 0.95)
    elif target == "probability":  # every column sums to 1: its last entry is 1 - the others
        n = widths[-1]
        y = matrix(n, cols, [y[i, j] if i < n - 1 else 1 - sum(y[k, j] for k in range(n - 1))
                             for i in range(n) for j in range(cols)])
        world.add_leaf("y", y, 0.0, 1.0 / n)
    else:
        world.add_leaf("y", y)
    prev = "x"
    world.family[("a", show(0))] = "x"
    for k in range(1, depth + 1):
        act = activation(setting, output if k == depth else hidden)[0]
        prev = _add_layer(world, k, show(k), prev, widths, cols, orientation, act, bias)
    if shift == 0:  # x^(l) is the input of layer l: x^(l+1) = a^(l)
        for k in range(depth + 1):
            world.family[("x", k + 1)] = world.family[("a", k)]
    world.family[("x", None)] = "x"
    world.family[("yhat", None)] = f"a[{depth}]"
    for name in setting.get("symbols", ()) or ():  # extra scalars, e.g. a step size
        world.add_leaf(name, sp.Symbol(name), 0.0, 0.5)
    J = sp.Symbol(loss_sym)
    if loss == "generic":  # any differentiable loss of the output: identities for every loss
        value = _undefined("Loss")(world.nodes[prev].sym, y)
        world.undefined = True
    else:
        value = loss_value(loss, world.nodes[prev].sym, y, reduction)
    decay, weights = _weight_decay(world, setting), [f"W[{k}]" for k in range(1, depth + 1)]
    if decay is not None:  # J + λ/2 Σ_l ‖W[l]‖²_F: the regularised loss
        value = value + decay / 2 * sp.Add(*[e ** 2 for w in weights
                                               for e in flat(world.nodes[w].sym)])
    world.add_def("J", J, value, (prev, "y") + (tuple(weights) if decay is not None else ()))
    world.family[(loss_sym, None)] = "J"
    world.network = {
        "widths": widths, "depth": depth, "shift": shift, "hidden": hidden, "output": output,
        "loss": loss, "reduction": reduction, "batch": batch, "orientation": orientation,
        "loss_symbol": loss_sym, "width": lambda l: widths[l - shift], "bias": bias,
        "leaky_slope": parameter(setting, "leaky_relu"), "elu_alpha": parameter(setting, "elu"),
        "weight_decay": decay, "delta_factor": _delta_factor(setting, loss, reduction, batch),
    }
    if target == "onehot" and not batch:
        world.cases = [{"kt": k + 1, "__y__": (k,)} for k in range(widths[-1])]
    elif target == "onehot":  # every column one-hot: every combination of classes
        world.cases = [{"__y__": combo} for combo in
                       itertools.product(range(widths[-1]), repeat=batch)]
    activation_functions(world, *activation(setting, hidden))
    return world


def _delta_factor(setting: Setting, loss: str, reduction: str, batch: int) -> int:
    """`delta = "per_example"`: delta[l]'s column i is sample i's own δ, ∂J_i/∂z_i, which is
    N·∂J/∂Z[l] when J is the batch's mean (and ∂J/∂Z[l] when it is the sum)."""
    per_example = _choice(setting, "delta", ("batch", "per_example"), "batch") == "per_example"
    if per_example and batch and loss == "generic":
        raise EvalError(f"setting {setting.name!r}: delta = \"per_example\" needs a loss that is "
                        "a sum or mean over the samples, not the generic loss")
    return batch if per_example and batch and (reduction == "mean" or loss == "mse_mean") else 1


def _weight_decay(world: World, setting: Setting) -> sp.Expr | None:
    """λ of `weight_decay` (exact as written, or a symbol sampled in [0, 0.5]), or None."""
    value = setting.get("weight_decay", None)
    if value is None or value == 0:
        return None
    if isinstance(value, str):
        if value not in world.nodes:
            world.add_leaf(value, sp.Symbol(value), 0.0, 0.5)
        return world.nodes[value].sym
    return sp.Rational(str(value))


def _add_layer(world: World, k: int, shown: int, prev: str, widths: list[int], cols: int,
               orientation: str, act, bias: bool = True) -> str:
    """z = W a_prev + b (z = W a_prev without biases), a = act(z); W[k] maps layer k-1
    to k in either numbering."""
    n_in, n_out = widths[k - 1], widths[k]
    wname, bname, zname, aname = f"W[{k}]", f"b[{k}]", f"z[{k}]", f"a[{k}]"
    w_shape = (n_out, n_in) if orientation == "out_in" else (n_in, n_out)
    W = sym_matrix(f"W^{{({k})}}", *w_shape)
    world.add_leaf(wname, W, -1.5, 1.5)
    z_sym = sym_matrix(f"z^{{({shown})}}", n_out, cols)
    a_sym = sym_matrix(f"a^{{({shown})}}", n_out, cols)
    Wm = W if orientation == "out_in" else W.T
    zdef = la.product(Wm, world.nodes[prev].sym)
    if bias:
        b = sym_matrix(f"b^{{({k})}}", n_out, 1)
        world.add_leaf(bname, b, -1.0, 1.0)
        zdef = la.entrywise_sum(zdef, la.product(b, sp.ImmutableMatrix.ones(1, cols)))
        for fam in ("b", "B"):
            world.family[(fam, k)] = bname
    world.add_def(zname, z_sym, zdef, (wname, prev, bname) if bias else (wname, prev))
    world.add_def(aname, a_sym, act(z_sym), (zname,))
    world.family[("W", k)] = wname
    world.family[("z", shown)] = zname
    world.family[("a", shown)] = aname
    return aname


def onehot_subs(world: World, case: dict[str, Any]) -> dict[sp.Symbol, sp.Integer]:
    """The one-hot targets of a case's classes (kept per world: never modify it)."""
    if "__y__" not in case:
        return {}
    classes = case["__y__"]
    kept = world.case_memo.get(("onehot", classes))  # asked per candidate repair and case
    if kept is None:
        y = world.nodes["y"].sym
        kept = world.case_memo[("onehot", classes)] = {
            y[i, j]: sp.Integer(1 if i == classes[j] else 0)
            for i in range(y.rows) for j in range(y.cols)}
    return kept


def build_scalar(setting: Setting) -> World:
    world = World(setting)
    sample = dict(setting.get("sample", ()) or ())
    for name in setting.get("symbols", ()) or ():
        world.add_leaf(name, sp.Symbol(name), *_range(sample, name, (-2.0, 2.0)))
    for name in setting.get("positive", ()) or ():
        world.add_leaf(name, sp.Symbol(name, positive=True), *_range(sample, name, (0.2, 3.0)))
    for name, n in setting.get("vectors", ()) or ():
        world.add_leaf(name, sym_matrix(name, int(n), 1), *_range(sample, name, (-2.0, 2.0)))
    for name, shape in setting.get("matrices", ()) or ():
        world.add_leaf(name, sym_matrix(name, int(shape[0]), int(shape[1])),
                       *_range(sample, name, (-2.0, 2.0)))
    for name in setting.get("integers", ()) or ():
        world.constants[name] = sp.Symbol(name, integer=True, positive=True)
    for name in setting.get("indexed", ()) or ():
        world.constants[name] = sp.IndexedBase(name, real=True)
        world.indexed = True
    world.undefined = bool(setting.get("functions") or setting.get("elementwise"))
    for name in setting.get("functions", ()) or ():
        world.functions[name] = _undefined(name)
        world.functions[name + "prime"] = _undefined_prime(name)
    for name in setting.get("elementwise", ()) or ():  # an arbitrary activation, entrywise
        world.functions[name] = _entrywise(_undefined(name))
        world.functions[name + "prime"] = _undefined_prime(name)
    _add_defines(world, setting)
    world.eval_memo.clear()  # values kept while the world was still being built
    return world


def _range(sample: dict[str, Any], name: str, default: tuple[float, float]) -> tuple[float, float]:
    lo, hi = sample.get(name, default)
    return float(lo), float(hi)


def _undefined(name: str):
    fn = undefined_function(name)

    def apply(*args: Any) -> sp.Expr:
        return fn(*[e for a in args for e in _flat(a)])
    return apply


def _entrywise(fn):
    def apply(u: Any) -> Any:
        if isinstance(u, sp.MatrixBase):
            return matrix(u.rows, u.cols, [fn(x) for x in flat(u)])
        return fn(u)
    return apply


def _undefined_prime(name: str):
    """f'(u) for an undefined one-argument f: the same atom ∂1·f that differentiating
    f(u) gives."""
    return _entrywise(partial_of(undefined_function(name), (1,)))


def _add_defines(world: World, setting: Setting) -> None:
    defines = list(setting.get("define", ()) or ())
    names = {n for n, _ in defines}
    known = {n for n in world.nodes} | set(world.constants) | set(world.functions) | names
    for name, text in defines:
        formula = parse(text, known)
        world.define_trees[name] = formula.tree
        parents = tuple(n for n in formula.names if n in world.nodes)
        # stop="*" keeps earlier definitions as their own symbols: a local definition.
        local = Evaluator(world, {}, stop="*").eval(formula.tree)
        value = local
        sym = (sym_matrix(name, value.rows, value.cols) if isinstance(value, sp.MatrixBase)
               else sp.Symbol(name))
        world.add_def(name, sym, local, parents)
        world.family[(name, None)] = name


def _flat(v: Any) -> list[Any]:
    return flat(v) if isinstance(v, sp.MatrixBase) else [v]


__all__ = ["build_world", "onehot_subs"]
