"""Name the likely cause of a wrong gradient, when the mismatch has a familiar shape.

Each pattern is a cheap exact test on the two arrays (a scale fit, a transpose, a gradient
recomputed by the reference with one known mistake made in it), so a cause is only suggested
when the user's numbers really have that shape, never guessed from the size of the error alone.
Every hint starts with a stable cause code ("softmax-diagonal:", "wrong-derivative:",
"missing-derivative:", "transposed:", "log-epsilon:", "small-gap:", "scale:", "sign:",
"zeros:", "possibly-missing-derivative:") followed by the explanation.
"""

from __future__ import annotations

import numpy as np

from dataclasses import dataclass

from ..reference.network import (ACTIVATIONS, MLP, Activation, Params, activation_of, elu,
                                 leaky_relu, log_epsilon_loss)
from .architecture import parse_activation

Array = np.ndarray
Variant = tuple[str, Array]  # (cause text, the gradient that cause would produce)


@dataclass(frozen=True)
class Context:
    """What is known about the network when a hint is worded: the declared loss (None when no
    architecture was declared), the batch size, and whether the parameter is stored as W.T."""

    loss: str | None = None
    batch: int = 1
    stored_transposed: bool = False

    @property
    def declared(self) -> bool:
        return self.loss is not None


def _close(a: Array, b: Array) -> bool:
    """Entrywise equal within the hints' tolerance; arrays of different shapes never are
    (NumPy would broadcast them, or raise, instead)."""
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-300)
    return bool(np.allclose(a, b, rtol=1e-4, atol=1e-6 * scale))


_SQUARED = {"mse_half": "1/2 (a - y)^2", "mse_mean": "mean((a - y)^2)"}


def _scale_cause(c: float, ctx: Context) -> str | None:
    if abs(c - 1.0) < 1e-3:
        return None
    if abs(c + 1.0) < 1e-3:
        return "sign: flipped sign: the negative of the true gradient, e.g. (y - a) where (a - y) belongs"
    batch = ""
    if ctx.batch > 1 and min(abs(c - ctx.batch), abs(c - 1 / ctx.batch)) < 1e-3 * max(c, 1 / c):
        batch = (f" = the batch size {ctx.batch}{'' if c > 1 else ' inverted'}: a mean over the batch "
                 "in the loss but a sum in the gradient (or the reverse)")
    for value, name in ((2.0, "factor of 2: twice"), (0.5, "factor of 1/2: half")):
        if abs(c - value) < 1e-3 * value and not batch:
            return f"scale: {name} the true gradient; {_two_because(value, ctx)}"
    why = batch or (": e.g. a mean over the batch in the loss but a sum in the gradient (or the "
                    "reverse), or a learning rate folded into the gradient")
    return f"scale: off by a constant factor {c:.4g}{why}"


def _two_because(value: float, ctx: Context) -> str:
    """Why a gradient is off by exactly 2 or 1/2, as fits the declared loss."""
    if ctx.loss is None or ctx.loss in _SQUARED:
        if value == 2.0:
            return ("typically the 2 from differentiating a square kept although the loss has 1/2 in "
                    "front (L = 1/2 (a - y)^2 has gradient a - y)")
        return ("typically a gradient written for L = 1/2 (a - y)^2 while the loss has no 1/2 "
                "(L = (a - y)^2 has gradient 2 (a - y))")
    return (f"the declared loss {ctx.loss} has no square, so not the 1/2 of a squared loss: e.g. a "
            "term counted twice (or once where it appears twice), or a mean over 2 outputs or samples "
            "in the loss but a sum in the gradient (or the reverse)")


def suspect(user: Array, truth: Array, variants: list[Variant] | None = None,
            context: Context | None = None) -> str | None:
    """The likely cause of user != truth, or None. truth may hold NaN where it was not computed;
    user may be the transpose of truth's shape (a 2-D gradient returned the wrong way round).
    variants are (cause, gradient that cause gives), tried before the scale fit so that a
    mistake with a known shape (a diagonal softmax Jacobian is exactly 1/2 with two classes
    and a squared loss) is named as itself. A hint is only a hint: if working it out fails on
    some input, there is none, and the report (the gradient is wrong) stands."""
    try:
        with np.errstate(all="ignore"):
            return _suspect(user, truth, variants or [], context or Context())
    except Exception:  # noqa: BLE001 - a hint never turns a wrong gradient into a crash
        return None


def _outer_order(shape: tuple[int, ...], ctx: Context) -> str:
    right, wrong = ("a_prev delta^T", "delta a_prev^T") if ctx.stored_transposed else \
        ("delta a_prev^T", "a_prev delta^T")
    return (f"the outer product in the wrong order: {wrong} (a_prev.T @ delta or delta @ a_prev.T "
            f"swapped) where this parameter needs {right}")


def _suspect(user: Array, truth: Array, variants: list[Variant], ctx: Context) -> str | None:
    if user.shape != truth.shape:
        if _close(user.T, truth):
            return (f"transposed: shape {user.shape} is the transpose of the parameter's {truth.shape}, "
                    f"and its transpose is the true gradient: {_outer_order(truth.shape, ctx)}")
        return f"transposed: wrong orientation: shape {user.shape} is the transpose of the parameter's {truth.shape}"
    known = np.isfinite(truth)
    u, t = user[known], truth[known]
    if not np.any(u) and np.any(t):
        return "zeros: all zeros: this gradient is never computed, or returned before it is filled in"
    full = bool(np.all(known))
    for text, candidate in variants:
        if full and _close(user, candidate):
            return text
    if np.any(t) and np.any(u):
        c = float(u @ t / (t @ t))
        if np.linalg.norm(u - c * t) <= 1e-4 * np.linalg.norm(u):
            return _scale_cause(c, ctx)
    if full and user.ndim == 2 and _close(user, truth.T) and not _close(truth, truth.T):
        return f"transposed: equals the transpose of the true gradient: {_outer_order(truth.shape, ctx)}"
    return _ratio_hint(u, t, ctx) or _small_gap(u, t, ctx)


def _ratio_hint(u: Array, t: Array, ctx: Context) -> str | None:
    """Without a declared architecture a missing f'(z) shows as t = u * (a factor in (0, 1] that
    varies by entry), since sigmoid' <= 1/4 and tanh' <= 1. Only a hint, hence "possibly"."""
    nz = np.abs(u) > 1e-8 * float(np.max(np.abs(u), initial=0.0))
    if nz.sum() < 2:
        return None
    r = t[nz] / u[nz]
    if np.all(r > 0) and np.all(r <= 1 + 1e-6) and float(np.ptp(r)) > 1e-3:
        return ("possibly-missing-derivative: possibly a missing activation derivative: the true "
                "gradient is this one times an entrywise factor in (0, 1], like sigmoid'(z) or tanh'(z)"
                + ("" if ctx.declared else " (declare the architecture to confirm)"))
    return None


def _small_gap(u: Array, t: Array, ctx: Context) -> str | None:
    """Every entry within 1% of the finite differences: a loss computed slightly differently
    from what the gradient assumes, most often an epsilon inside a log."""
    big = np.maximum(np.abs(u), np.abs(t))
    keep = big > 1e-8 * float(np.max(big, initial=0.0))
    if not np.any(keep):
        return None
    rel = float(np.max(np.abs(u - t)[keep] / big[keep]))
    if not 0 < rel < 1e-2:
        return None
    return (f"small-gap: every entry within {rel:.1e} relative of the finite differences of your loss: "
            "the loss is computed slightly differently from what the gradient assumes, most often an "
            "epsilon inside a log (log(p + 1e-8)) or a clip"
            + ("" if ctx.declared else " (declare the architecture to confirm)")
            + f"; if that is intended, check with rtol={suggest_rtol(rel):g}")


def suggest_rtol(rel: float) -> float:
    """The power of ten above twice the largest relative gap."""
    return float(10.0 ** np.ceil(np.log10(2 * rel)))


# ------------------------------------------------------------- gradients of known mistakes

_FROM_A = {  # a derivative written in terms of the layer's output a, as course code does
    "sigmoid": ("a (1 - a)", lambda z, a, g: g * a * (1.0 - a)),
    "tanh": ("1 - a^2", lambda z, a, g: g * (1.0 - a * a)),
    "relu": ("(a > 0)", lambda z, a, g: g * (a > 0)),
}
_WRONG_FROM_Z = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "identity")


def _softmax_diagonal(z: Array, a: Array, g: Array) -> Array:
    return g * a * (1.0 - a)


Mistake = tuple[tuple[int, ...], str, object]  # (layers, cause text, dL/da -> dL/dz there)


def mistake_vjps(net: MLP, specs: tuple | None = None) -> list[Mistake]:
    """(layers, cause text, the dL/da -> dL/dz that mistake computes at those layers), most
    common first: a diagonal softmax Jacobian, then a missing, then a wrong derivative, each
    at one layer, then made alike in every layer with the same activation (one derivative
    function used for all hidden layers). specs are the declared activations
    ("leaky_relu(0.2)"), for their parameters."""
    parsed = [parse_activation(f) if isinstance(f, str) else (activation_of(f).name, None)
              for f in (specs or net.activations)]
    out: list[Mistake] = []
    for k, (name, _) in enumerate(parsed, start=1):
        if name == "softmax":
            out.append(((k,), f"softmax-diagonal: the softmax Jacobian of layer {k} reduced to its "
                        "diagonal a (1 - a): the off-diagonal terms -a_i a_j are missing (use "
                        "a * (g - sum(a * g)), or a - y directly for softmax with cross-entropy)",
                        _softmax_diagonal))
    groups = [(k,) for k in range(1, len(parsed) + 1)]
    groups += [g for g in dict.fromkeys(tuple(k for k, f in enumerate(parsed, start=1) if f == spec)
                                        for spec in parsed) if len(g) > 1 and parsed[g[0] - 1][0] != "softmax"]
    for layers in groups:
        name, value = parsed[layers[0] - 1]
        out += _derivative_mistakes(layers, name, value)
    return out


def _derivative_mistakes(layers: tuple[int, ...], name: str, value: float | None) -> list[Mistake]:
    one = len(layers) == 1
    where = f"layer {layers[0]}" if one else f"layers {', '.join(map(str, layers))}"
    z = f"z[{layers[0]}]" if one else "z[l]"
    own, be = ("its", "is") if one else ("their", "are")
    out: list[Mistake] = [(layers, f"missing-derivative: missing activation derivative: equals the true "
                           f"gradient without the factor {name}'({z}) of {where}", lambda z, a, g: g)]
    if name == "softmax":
        return out
    out += [(layers, f"wrong-derivative: {where} {be} {name}{text}", vjp)
            for text, vjp in _wrong_parameter(name, value, own)]
    for other, (form, vjp) in _FROM_A.items():
        if other != name:
            out.append((layers, f"wrong-derivative: {where} {be} {name} but {own} derivative is "
                        f"{other}'s written in terms of a, {form}, with a = {name}({z})", vjp))
    for other in _WRONG_FROM_Z:
        if other != name:
            out.append((layers, f"wrong-derivative: {where} {be} {name} but {own} derivative is "
                        f"{other}'({z})", _derivative_of(ACTIVATIONS[other])))
    return out


# the values course code uses for leaky ReLU's slope and ELU's alpha
_PARAMETER_VALUES = {"leaky_relu": ("slope", leaky_relu, (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5)),
                     "elu": ("alpha", elu, (0.1, 0.2, 0.5, 1.0, 1.5, 2.0))}


def _wrong_parameter(name: str, value: float | None, own: str) -> list[tuple[str, object]]:
    """A leaky ReLU (ELU) layer whose derivative uses another slope (alpha) than its forward:
    [(the rest of the cause text, that derivative)]."""
    if name not in _PARAMETER_VALUES:
        return []
    key, make, values = _PARAMETER_VALUES[name]
    declared = make.__defaults__[0] if value is None else value
    return [(f" with {key} {declared:g} but {own} derivative uses {key} {v:g}", _derivative_of(make(v)))
            for v in values if v != declared]


def _derivative_of(f: Activation) -> object:
    """f's dL/da -> dL/dz at the layer's own z (ELU's in terms of its own a = f(z))."""
    return lambda z, a, g: f.vjp(z, f.forward(z), g)


def reference_variants(net: MLP, params: Params, x: Array, y: Array,
                       specs: tuple | None = None) -> list[tuple[int, str, tuple, tuple]]:
    """[(last layer k, cause text, dW by layer, db by layer)]: the gradients backprop gives
    with one mistake made (only parameters of layers <= k change)."""
    out = []
    for layers, text, vjp in mistake_vjps(net, specs):
        g = net.backward(params, x, y, vjps=dict.fromkeys(layers, vjp))
        out.append((max(layers), text, g.dW, g.db))
    return out


# ------------------------------------------------------------------- an epsilon inside a log

_EPSILONS = (1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3)


def log_epsilon_of_loss(net: MLP, params: Params, x: Array, y: Array, user_loss: float) -> float | None:
    """The eps for which the declared cross-entropy computed with log(a + eps) gives exactly
    the user's loss (when the plain one does not), or None."""
    if net.loss not in ("cross_entropy", "binary_cross_entropy"):
        return None
    for eps in _EPSILONS:
        value = net.loss_value(params, x, y, log_epsilon_loss(net.loss, eps))
        if abs(value - user_loss) <= 1e-10 * max(1.0, abs(user_loss)):
            return eps
    return None


def log_epsilon_gradients(net: MLP, params: Params, x: Array, y: Array) -> list[tuple[float, tuple, tuple]]:
    """[(eps, dW, db)]: the true gradients of the loss computed with log(a + eps)."""
    if net.loss not in ("cross_entropy", "binary_cross_entropy"):
        return []
    out = []
    for eps in _EPSILONS:
        g = net.backward(params, x, y, loss=log_epsilon_loss(net.loss, eps))
        out.append((eps, g.dW, g.db))
    return out


def log_epsilon_cause(eps: float, rel: float) -> str:
    advice = (f"check with rtol={suggest_rtol(rel):g}, or leave the epsilon out of the loss you check"
              if rel < 1e-2 else "some p are near eps, so the gap is not small: leave the epsilon out "
              "of the loss you check")
    return (f"log-epsilon: your gradient is the exact gradient of the declared loss, but your loss "
            f"computes log(p + {eps:g}) (an epsilon inside the log), whose finite differences differ "
            f"by up to {rel:.1e} relative; the gradient is right for the loss without it: {advice}")
