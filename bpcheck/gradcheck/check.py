"""Check a course's own NumPy backprop code (issue 7).

gradcheck() compares the gradients that a hand-written backward() returns with
  1. central finite differences of the user's own loss, perturbing the user's own float64
     arrays in place (and restoring them), always; and
  2. bpcheck.reference.network.MLP.backward, when the network's architecture is declared; and
  3. bpcheck's symbolic gradient diff(J, W[l]) of the declared network, evaluated at the user's
     values (gradcheck.symbolic; SymPy is imported only then).
A wrong gradient never raises: the report says which parameter, which entries, and the likely
cause when the mismatch has a familiar shape (gradcheck.causes). GradcheckError is
raised only when the check cannot run: a user function raised, or returned an unusable value.
"""

from __future__ import annotations

import math
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence, Union

import numpy as np

from ..reference.network import MLP, Params, fd_step
from .architecture import Architecture, GradcheckError, reference_activation
from .causes import (Context, log_epsilon_cause, log_epsilon_gradients, log_epsilon_of_loss,
                     reference_variants, suspect)
from .layout import Target, join, layer_arrays, parse_target
from .result import Comparison, Entry, GradcheckReport, ParamResult

__all__ = ["Architecture", "Comparison", "Entry", "GradcheckError", "GradcheckReport",
           "ParamResult", "gradcheck", "gradcheck_arrays"]

Array = np.ndarray
GradsLike = Union[Mapping[str, Array], Sequence[Array]]


# ------------------------------------------------------------------------- public entry points


def gradcheck(
    model: Any,
    params: Sequence[str],
    loss: Callable[[Any], float],
    backward: Callable[[Any], GradsLike],
    *,
    architecture: Architecture | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    seed: int = 0,
    max_entries: int | None = None,
) -> GradcheckReport:
    """Check backward(model) against the finite differences of loss(model).

    params are attribute paths on the model ("W1", "layers.0.W", "params.W1"); backward returns
    a dict keyed by those names (or "d" + name) or a list in the same order. It must run its own
    forward pass if it needs one: it is called once, before any perturbation. max_entries
    limits the finite differences to that many random entries per parameter (chosen with seed).
    """
    if isinstance(params, str):
        raise GradcheckError(f"params must be a list of names, not the string {params!r}")
    slots = [(name, _get_path(model, name)) for name in params]
    return run(slots, lambda: loss(model), lambda: backward(model), architecture=architecture,
               rtol=rtol, atol=atol, seed=seed, max_entries=max_entries,
               labels=(_label(loss, "loss"), _label(backward, "backward")))


def gradcheck_arrays(
    loss: Callable[[dict[str, Array]], float],
    params: dict[str, Array],
    grads: GradsLike | Callable[[dict[str, Array]], GradsLike],
    *,
    architecture: Architecture | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    seed: int = 0,
    max_entries: int | None = None,
) -> GradcheckReport:
    """Pure-function form: loss(params) -> float; grads is the gradient (dict or list in the
    order of params) or a function params -> gradient. The arrays in params are perturbed in place."""
    get = (lambda: grads(params)) if callable(grads) else (lambda: grads)
    labels = (_label(loss, "loss"), _label(grads, "grads") if callable(grads) else "grads")
    return run(list(params.items()), lambda: loss(params), get, architecture=architecture,
               rtol=rtol, atol=atol, seed=seed, max_entries=max_entries, labels=labels)


# ------------------------------------------------------------------------------------ the run


def run(
    slots: list[tuple[str, Array]],
    call_loss: Callable[[], Any],
    call_backward: Callable[[], Any],
    *,
    architecture: Architecture | None,
    rtol: float,
    atol: float,
    seed: int,
    max_entries: int | None,
    labels: tuple[str, str] = ("loss", "backward"),
) -> GradcheckReport:
    loss_label, backward_label = labels
    _validate_params(slots)
    before = [a.copy() for _, a in slots]
    grads = _normalize_grads(_call(call_backward, backward_label), slots, backward_label)
    notes = _restore_if_changed(slots, before, backward_label)
    loss0 = _scalar(_call(call_loss, loss_label), loss_label)
    if _scalar(_call(call_loss, loss_label), loss_label) != loss0:
        raise GradcheckError(f"{loss_label} gives a different value on a second call with the same "
                             "parameters (dropout or random sampling?): seed or disable it for the check")
    rng = np.random.default_rng(seed)
    fds = [_finite_differences(call_loss, name, a, _mask(a, rng, max_entries), loss_label)
           for name, a in slots]
    ref = _reference(architecture, slots, loss0, notes) if architecture is not None else None
    sym_grads, sym_loss = _symbolic(architecture, ref, slots, notes) if ref else ({}, None)
    results = [_param_result(name, a.shape, g, fd, ref, sym_grads, rtol, atol, _context(architecture, ref, name))
               for (name, a), g, fd in zip(slots, grads, fds)]
    return GradcheckReport(tuple(results), loss0, ref.loss if ref else None, tuple(notes), rtol, atol,
                           sym_loss)


def _symbolic(arch, ref: _Reference, slots, notes: list[str]) -> tuple[dict[str, Array], float | None]:
    from .symbolic import symbolic_gradients  # SymPy only if this comparison runs

    result = symbolic_gradients(arch, ref.targets, dict(slots), ref.loss)
    notes += [result.note] if result.note else []
    return result.grads, result.loss


def _context(arch: Architecture | None, ref: _Reference | None, name: str) -> Context:
    if arch is None or ref is None:
        return Context()
    batch = int(np.shape(arch.x)[1]) if np.ndim(arch.x) == 2 else 1
    return Context(arch.loss, batch, bool(name in ref.targets and ref.targets[name][2]))


def _param_result(name, shape, g, fd, ref: _Reference | None, sym: dict, rtol, atol,
                  context: Context) -> ParamResult:
    fd_cmp = _compare(g, fd, "finite differences", rtol, atol)
    ref_cmp = _compare(g, ref.grads[name], "reference", rtol, atol) if ref and name in ref.grads else None
    sym_cmp = _compare(g, sym[name], "symbolic", rtol, atol) if name in sym else None
    others = [c.against for c in (ref_cmp, sym_cmp) if c is not None and not c.passed]
    cause = None
    if not fd_cmp.passed:
        variants = ref.variants.get(name, []) if ref and ref.agrees else []
        eps = _log_epsilon(g, fd, ref, name, ref_cmp) if ref and ref.agrees else None
        cause = log_epsilon_cause(eps, fd_cmp.max_rel_err) if eps else suspect(g, fd, variants, context)
    elif others == ["symbolic"] and ref_cmp is not None:
        cause = ("agrees with finite differences of your loss and with the reference but not with "
                 "bpcheck's symbolic gradient: a disagreement inside bpcheck, not in your code")
    elif others:
        cause = (f"agrees with finite differences of your loss but not with the {' or the '.join(others)}"
                 ": your forward pass or loss differs from the declared architecture")
    return ParamResult(name, tuple(shape), fd_cmp, ref_cmp, cause, sym_cmp)


def _log_epsilon(g: Array, fd: Array, ref: _Reference, name: str, ref_cmp) -> float | None:
    """The eps of a log(p + eps) in the user's loss, when the user's gradient is the reference's
    and the finite differences are much nearer that loss's true gradient than the reference's."""
    if ref_cmp is None or not ref_cmp.passed or not ref.eps_grads.get(name):
        return None
    known = np.isfinite(fd)
    gap = float(np.linalg.norm((fd - ref.grads[name])[known]))
    best = min(ref.eps_grads[name], key=lambda e: float(np.linalg.norm((fd - e[1])[known])))
    return best[0] if float(np.linalg.norm((fd - best[1])[known])) <= 0.1 * gap else None


def _compare(user: Array, truth: Array, against: str, rtol: float, atol: float) -> Comparison:
    if user.shape != truth.shape:  # the transposed shape: no entrywise comparison is meaningful
        return Comparison(against, math.inf, math.inf, False, ())
    u = user
    known = np.isfinite(truth)
    diff = np.where(known, np.abs(u - np.where(known, truth, 0.0)), 0.0)
    big = np.maximum(np.abs(u), np.abs(np.where(known, truth, 0.0)))
    rel = np.where(big > atol, diff / np.maximum(big, atol), 0.0)
    passed = bool(np.all(diff <= atol + rtol * big))
    order = np.argsort(diff, axis=None, kind="stable")[::-1][:3]
    worst = tuple(
        Entry(tuple(int(i) for i in idx), float(u[idx]), float(truth[idx]), float(diff[idx]), float(rel[idx]))
        for idx in (np.unravel_index(k, diff.shape) for k in order) if known[idx]
    )
    return Comparison(against, float(diff.max(initial=0.0)), float(rel.max(initial=0.0)), passed, worst)


# ------------------------------------------------------------------------- user-facing plumbing


def _label(fn: Any, role: str) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    return role if not name or "<lambda>" in name else f"{role} function {name}()"


def _call(fn: Callable[[], Any], label: str) -> Any:
    try:
        return fn()
    except GradcheckError:
        raise
    except Exception as e:  # user code: any exception becomes a clear, located message
        frames = traceback.extract_tb(e.__traceback__)
        where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
        raise GradcheckError(f"{label} raised {type(e).__name__}: {e}{where}") from e


def _scalar(value: Any, label: str) -> float:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise GradcheckError(f"{label} returned {type(value).__name__}, not a number") from None
    if arr.size != 1:
        raise GradcheckError(f"{label} returned an array of shape {arr.shape}, not a scalar loss")
    v = float(arr.reshape(()))
    if not math.isfinite(v):
        raise GradcheckError(f"{label} returned {v}")
    return v


def _get_path(obj: Any, path: str) -> Array:
    """Follow "a.b.0.c": attributes, mapping keys, or list/tuple indices."""
    cur = obj
    for seg in path.split("."):
        if isinstance(cur, Mapping) and seg in cur:
            cur = cur[seg]
        elif isinstance(cur, (list, tuple)) and seg.lstrip("-").isdigit():
            cur = cur[int(seg)]
        elif hasattr(cur, seg):
            cur = getattr(cur, seg)
        else:
            raise GradcheckError(f"parameter '{path}' not found: {type(cur).__name__} has no '{seg}'")
    return cur


def _validate_params(slots: list[tuple[str, Any]]) -> None:
    for i, (name, a) in enumerate(slots):
        if not isinstance(a, np.ndarray):
            raise GradcheckError(f"parameter '{name}' is a {type(a).__name__}, not a NumPy array")
        if a.dtype != np.float64:
            raise GradcheckError(f"parameter '{name}' has dtype {a.dtype}; finite differences need "
                                 "float64 (build the model with float64 arrays for the check)")
        if not a.flags.writeable:
            raise GradcheckError(f"parameter '{name}' is read-only; it must be perturbed in place")
        for other, b in slots[:i]:
            if np.shares_memory(a, b):
                raise GradcheckError(f"parameters '{other}' and '{name}' share memory")


def _normalize_grads(raw: Any, slots: list[tuple[str, Array]], label: str) -> list[Array]:
    names = [n for n, _ in slots]
    if isinstance(raw, Mapping):
        missing = [n for n in names if n not in raw and "d" + n not in raw]
        if missing:
            raise GradcheckError(f"{label} returned no gradient for {', '.join(map(repr, missing))} "
                                 f"(its keys: {', '.join(map(repr, raw))})")
        items = [raw[n] if n in raw else raw["d" + n] for n in names]
    elif isinstance(raw, (list, tuple)):
        if len(raw) != len(names):
            raise GradcheckError(f"{label} returned {len(raw)} gradients for {len(names)} "
                                 f"parameters ({', '.join(names)})")
        items = list(raw)
    else:
        raise GradcheckError(f"{label} returned {type(raw).__name__}; expected a dict name -> array "
                             f"or a list of arrays in the order {', '.join(names)}")
    return [_grad_array(n, a.shape, g, label) for (n, a), g in zip(slots, items)]


def _grad_array(name: str, shape: tuple[int, ...], g: Any, label: str) -> Array:
    try:
        arr = np.array(g, dtype=np.float64)  # a copy: later calls may overwrite the user's buffer
    except (TypeError, ValueError):
        raise GradcheckError(f"{label} returned a non-numeric gradient for '{name}'") from None
    if arr.shape != shape and not (arr.ndim == 2 and arr.shape == shape[::-1]):
        raise GradcheckError(f"{label} returned shape {arr.shape} for '{name}', "
                             f"but the parameter has shape {shape}")
    if not np.all(np.isfinite(arr)):
        raise GradcheckError(f"{label} returned non-finite values for '{name}'")
    return arr


def _restore_if_changed(slots, before, label) -> list[str]:
    changed = [n for (n, a), b in zip(slots, before) if not np.array_equal(a, b, equal_nan=True)]
    for (_, a), b in zip(slots, before):
        np.copyto(a, b)
    if not changed:
        return []
    return [f"{label} changed {', '.join(changed)} in place (does it also take the update step?); "
            "restored before checking"]


def _mask(a: Array, rng: np.random.Generator, max_entries: int | None) -> Array:
    mask = np.ones(a.shape, dtype=bool)
    if max_entries is not None and a.size > max_entries:
        mask[...] = False
        mask.flat[rng.choice(a.size, size=max_entries, replace=False)] = True
    return mask


def _finite_differences(call_loss, name: str, a: Array, mask: Array, label: str) -> Array:
    """Central differences, entry by entry, in the user's own array; NaN where not computed."""
    out = np.full(a.shape, np.nan)
    for i in np.ndindex(a.shape):
        if not mask[i]:
            continue
        old = float(a[i])
        h = fd_step(old)
        try:
            a[i] = old + h
            plus = _scalar(_call(call_loss, label), f"{label} with {name}{list(i)} + h")
            a[i] = old - h
            minus = _scalar(_call(call_loss, label), f"{label} with {name}{list(i)} - h")
        finally:
            a[i] = old
        out[i] = (plus - minus) / (2 * h)
    return out


# ------------------------------------------------------------------------------ the reference

@dataclass(frozen=True)
class _Reference:
    loss: float
    grads: dict[str, Array]  # in the user's layouts
    targets: dict[str, Target]  # user name -> (kind, layer, transposed): see gradcheck.layout
    variants: dict[str, list]  # name -> [(cause text, gradient that cause would give)]
    agrees: bool  # the reference loss equals the user's loss: the declaration fits the model
    eps_grads: dict[str, list]  # name -> [(eps, true gradient of the loss with log(a + eps))]


def reference_network(arch: Architecture, arrays: dict[str, Array]):
    """The declared network in bpcheck's NumPy reference, and a function giving its parameters
    from the user's arrays (read afresh on each call)."""
    try:
        acts = tuple(reference_activation(f) for f in arch.activations)
        net = MLP(tuple(arch.widths), acts, arch.loss, arch.reduction)
    except ValueError as e:
        raise GradcheckError(f"architecture: {e}") from None
    widths = tuple(int(n) for n in arch.widths)
    targets = {name: parse_target(name, spec, arrays, widths) for name, spec in arch.mapping.items()}
    return net, targets, lambda: Params(*map(tuple, layer_arrays(targets, arrays, widths)))


def _reference(arch: Architecture, slots, user_loss: float, notes: list[str]) -> _Reference:
    arrays = dict(slots)
    net, targets, read_params = reference_network(arch, arrays)
    params = read_params()
    try:
        ref_loss = net.loss_value(params, arch.x, arch.y)
        g = net.backward(params, arch.x, arch.y)
    except ValueError as e:
        raise GradcheckError(f"architecture: {e}") from None
    agrees = abs(ref_loss - user_loss) <= 1e-8 * max(1.0, abs(user_loss))
    eps = None if agrees else log_epsilon_of_loss(net, params, arch.x, arch.y, user_loss)
    if eps is not None:
        agrees = True
        notes.append(f"your loss equals the declared {arch.loss} computed with log(a + {eps:g}): an "
                     "epsilon inside the log, which a gradient of the plain loss does not follow")
    if not agrees:
        notes.append(f"the declared architecture gives loss {ref_loss:.10g} but the model's loss is "
                     f"{user_loss:.10g}: the declaration (widths, activations, loss, reduction, "
                     "mapping or data) does not describe this model")
    grads = {n: _user_layout(t, arrays[n].shape, g.dW, g.db) for n, t in targets.items()}
    variants = reference_variants(net, params, arch.x, arch.y, tuple(arch.activations))
    by_name = {n: _distinct([(text, _user_layout(t, arrays[n].shape, dW, db))
                             for k, text, dW, db in variants if k >= t[1]], grads[n])
               for n, t in targets.items()}
    eps_grads = log_epsilon_gradients(net, params, arch.x, arch.y)
    by_eps = {n: [(e, _user_layout(t, arrays[n].shape, dW, db)) for e, dW, db in eps_grads]
              for n, t in targets.items()}
    return _Reference(ref_loss, grads, targets, by_name, agrees, by_eps)


def _distinct(variants: list, truth: Array) -> list:
    """The variants that differ from the true gradient (a mistake that changes nothing here,
    like a missing identity derivative, explains nothing)."""
    scale = max(float(np.max(np.abs(truth), initial=0.0)), 1e-300)
    return [(text, v) for text, v in variants if not np.allclose(v, truth, rtol=1e-6, atol=1e-9 * scale)]


def _user_layout(target: Target, shape: tuple[int, ...], dW, db) -> Array:
    l = target[1]
    return join(target, shape, dW[l], db[l])
