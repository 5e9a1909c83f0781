"""Name the likely cause of a wrong gradient, when the mismatch has a familiar shape.

Each pattern is a cheap exact test on the two arrays (a scale fit, a transpose, a gradient
recomputed with one activation derivative left out), so a cause is only suggested when the
user's numbers really have that shape, never guessed from the size of the error alone.
"""

from __future__ import annotations

import numpy as np

from ..reference.network import LOSSES, MLP, Params, activation_of

Array = np.ndarray
Variant = tuple[str, Array]  # (cause text, the gradient that cause would produce)


def _close(a: Array, b: Array) -> bool:
    """Entrywise equal within the hints' tolerance; arrays of different shapes never are
    (NumPy would broadcast them, or raise, instead)."""
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-300)
    return bool(np.allclose(a, b, rtol=1e-4, atol=1e-6 * scale))


def _scale_cause(c: float) -> str | None:
    if abs(c - 1.0) < 1e-3:
        return None
    if abs(c - 2.0) < 2e-3:
        return ("factor of 2: twice the true gradient; typically the 2 from differentiating a square "
                "kept although the loss has 1/2 in front (L = 1/2 (a - y)^2 has gradient a - y)")
    if abs(c - 0.5) < 1e-3:
        return ("factor of 1/2: half the true gradient; typically a gradient written for "
                "L = 1/2 (a - y)^2 while the loss has no 1/2 (L = (a - y)^2 has gradient 2 (a - y))")
    if abs(c + 1.0) < 1e-3:
        return "flipped sign: the negative of the true gradient, e.g. (y - a) where (a - y) belongs"
    return (f"off by a constant factor {c:.4g}: e.g. a mean over the batch in the loss but a sum in "
            "the gradient (or the reverse), or a learning rate folded into the gradient")


def suspect(user: Array, truth: Array, variants: list[Variant] | None = None) -> str | None:
    """The likely cause of user != truth, or None. truth may hold NaN where it was not computed;
    user may be the transpose of truth's shape (a 2-D gradient returned the wrong way round).
    A hint is only a hint: if working it out fails on some input, there is none, and the
    report (the gradient is wrong) stands."""
    try:
        with np.errstate(all="ignore"):
            return _suspect(user, truth, variants)
    except Exception:  # noqa: BLE001 - a hint never turns a wrong gradient into a crash
        return None


def _suspect(user: Array, truth: Array, variants: list[Variant] | None) -> str | None:
    if user.shape != truth.shape:
        if _close(user.T, truth):
            return (f"transposed: shape {user.shape} is the transpose of the parameter's "
                    f"{truth.shape}, and its transpose is the true gradient (a_prev.T @ delta "
                    "instead of delta @ a_prev.T?)")
        return f"wrong orientation: shape {user.shape} is the transpose of the parameter's {truth.shape}"
    known = np.isfinite(truth)
    u, t = user[known], truth[known]
    if not np.any(u) and np.any(t):
        return "all zeros: this gradient is never computed, or returned before it is filled in"
    if np.any(t) and np.any(u):
        c = float(u @ t / (t @ t))
        if np.linalg.norm(u - c * t) <= 1e-4 * np.linalg.norm(u):
            return _scale_cause(c)
    full = bool(np.all(known))
    if full and user.ndim == 2 and _close(user, truth.T) and not _close(truth, truth.T):
        return "transposed product: equals the transpose of the true gradient (a_prev.T @ delta?)"
    for text, candidate in variants or []:
        if _close(user, candidate):
            return text
    return _ratio_hint(u, t)


def _ratio_hint(u: Array, t: Array) -> str | None:
    """Without a declared architecture a missing f'(z) shows as t = u * (a factor in (0, 1] that
    varies by entry), since sigmoid' <= 1/4 and tanh' <= 1. Only a hint, hence "possibly"."""
    nz = np.abs(u) > 1e-8 * float(np.max(np.abs(u), initial=0.0))
    if nz.sum() < 2:
        return None
    r = t[nz] / u[nz]
    if np.all(r > 0) and np.all(r <= 1 + 1e-6) and float(np.ptp(r)) > 1e-3:
        return ("possibly a missing activation derivative: the true gradient is this one times an "
                "entrywise factor in (0, 1], like sigmoid'(z) or tanh'(z) (declare the architecture "
                "to confirm)")
    return None


def missing_derivative_variants(
    net: MLP, params: Params, x: Array, y: Array
) -> dict[int, tuple[str, list, list]]:
    """For each layer k, the gradients backprop gives when f_k'(z[k]) is left out at layer k
    (delta[k] = dL/da[k]): {k: (cause text, dW by layer, db by layer)}."""
    t = net.forward(params, x)
    batch = 1 if np.ndim(x) == 1 else np.shape(x)[1]
    g_out = LOSSES[net.loss].grad(t.a[-1], np.asarray(y, dtype=np.float64))
    g_out = g_out / batch if net.reduction == "mean" else g_out
    out = {}
    for k in range(1, net.depth + 1):
        name = net.activations[k - 1]
        text = (f"missing activation derivative: equals the true gradient without the factor "
                f"{name}'(z[{k}]) of layer {k}")
        dW, db, da = [None] * (net.depth + 1), [None] * (net.depth + 1), g_out
        for l in range(net.depth, 0, -1):
            delta = da if l == k else activation_of(net.activations[l - 1]).vjp(t.z[l], t.a[l], da)
            a_prev = t.a[l - 1]
            dW[l] = np.outer(delta, a_prev) if a_prev.ndim == 1 else delta @ a_prev.T
            db[l] = delta if delta.ndim == 1 else delta.sum(axis=1)
            da = params.W[l].T @ delta
        out[k] = (text, dW, db)
    return out
