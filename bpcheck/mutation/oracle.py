"""An oracle independent of the checker: does a formula equal the quantity it claims?

Never bpcheck's verdict, symbolic machinery or numeric comparison.  For a network claim
the quantity's value comes from the NumPy reference (bpcheck/reference: forward values,
backprop for derivatives of the loss; other derivatives by Richardson-extrapolated central
differences over the reference's forward pass), compared in float64 with a relative
tolerance of 1e-6.  For a scalar claim both sides are evaluated in mpmath at 60 digits
(derivatives by central differences with step 1e-20), relative tolerance 1e-12.  Both
sides go through the oracle's own interpreter (interpreter) at several seeded random
points of several magnitudes, for every index binding and one-hot class.  A point where
either side is undefined is skipped; "equal" needs MIN_POINTS defined points and no
difference anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import mpmath
import numpy as np

from ..model import Claim
from ..reference.network import MLP
from .values import IllFormed, Unsupported, as_int, is_arr, unit
from .interpreter import Interpreter
from .scalar import ScalarEnv, scalar_values, tree_of
from .networks import MP_DIGITS, NetworkEnv

EQUAL, DIFFERS, NOT_JUDGED = "equal", "differs", "not judged"
REFERENCE, MPMATH = "reference", "mpmath"
SCALES = (0.5, 1.0, 2.0)
MIN_POINTS = 3
RTOL = {REFERENCE: 1e-6, MPMATH: 1e-12}


@dataclass(frozen=True)
class Judgement:
    kind: str  # EQUAL, DIFFERS or NOT_JUDGED
    oracle: str  # REFERENCE or MPMATH
    reason: str = ""  # the construct not supported, or where the formula differs


def oracle_of(claim: Claim) -> str:
    return REFERENCE if claim.setting.kind == "network" else MPMATH


def network_spec(setting: Any) -> dict:
    widths = list(setting.get("widths"))
    hidden = setting.get("activation", "sigmoid")
    depth = len(widths) - 1
    loss = setting.get("loss", "mse_half")
    spec = {
        "widths": widths, "activations": [hidden] * (depth - 1) + [setting.get("output", hidden)],
        "shift": 0 if setting.get("numbering", "standard") == "standard" else 1,
        "orientation": setting.get("orientation", "out_in"),
        "layout": setting.get("layout", "numerator"), "batch": int(setting.get("batch", 0) or 0),
        "target": setting.get("target", "free"), "symbols": list(setting.get("symbols", ()) or ()),
        "loss_symbol": setting.loss_name(), "depth_symbol": setting.get("depth_symbol", "L"),
        "loss": loss, "reduction": setting.get("reduction", "sum"), "loss_factor": 1.0,
    }
    # delta = "per_example": each column is its sample's own δ, so the mean's 1/N is undone
    spec["delta_factor"] = float(spec["batch"]) if setting.get("delta") == "per_example" and \
        spec["batch"] and (spec["reduction"] == "mean" or loss == "mse_mean") else 1.0
    if loss == "mse_sum":  # ‖y − a‖² = 2 · ½‖y − a‖²
        spec.update(ref_loss="mse_half", loss_factor=2.0)
    elif loss == "mse_mean":  # the mean over every entry, whatever the reduction
        spec.update(ref_loss="mse_mean", reduction="mean")
    else:
        spec["ref_loss"] = loss
    return spec


def network_envs(setting: Any, points: int) -> Iterator[NetworkEnv]:
    base = network_spec(setting)
    cols = max(base["batch"], 1)
    for p in range(points):
        rng = np.random.default_rng(1000 + p)
        scale = SCALES[p % len(SCALES)]
        spec = dict(base)
        if base["loss"] == "generic":  # any loss: take two different ones in turn
            spec["ref_loss"] = ("mse_half", "cross_entropy")[p % 2]
        mlp = MLP(tuple(spec["widths"]), tuple(spec["activations"]), spec["ref_loss"], spec["reduction"])
        params = mlp.init_params(rng, scale)
        x = rng.standard_normal((spec["widths"][0], cols)) * scale
        n_out = spec["widths"][-1]
        symbols = {s: float(rng.uniform(0.0, 0.5)) for s in spec["symbols"]}
        if spec["target"] == "onehot":
            classes = range(n_out) if not base["batch"] else [None]
            for k in classes:
                picks = [k] * cols if k is not None else list(rng.integers(0, n_out, cols))
                y = np.zeros((n_out, cols))
                y[picks, range(cols)] = 1.0
                yield NetworkEnv(spec, params, x, y, symbols, None if k is None else k + 1)
            continue
        if spec["target"] == "binary":
            y = rng.uniform(0.05, 0.95, (n_out, cols))
        elif spec["target"] == "probability":  # every column a probability vector
            y = rng.uniform(0.05, 1.0, (n_out, cols))
            y = y / y.sum(axis=0, keepdims=True)
        else:
            y = rng.standard_normal((n_out, cols)) * scale
        yield NetworkEnv(spec, params, x, y, symbols, None)


def scalar_envs(setting: Any, points: int) -> Iterator[ScalarEnv]:
    for p in range(points):
        rng = np.random.default_rng(2000 + p)
        yield ScalarEnv(setting, scalar_values(setting, rng, SCALES[p % len(SCALES)]))


def evaluate(env: Any, text: str, bound: dict[str, int]) -> Any:
    tree, source = tree_of(text)
    interp = Interpreter(env, source)
    interp.bound = dict(bound)
    return interp.eval(tree)


def bindings(claim: Claim, env: Any) -> Iterator[dict[str, int]]:
    """Every assignment of the `where` indices that satisfies `when`."""
    def extend(done: dict[str, int], rest: list[tuple[str, str]]) -> Iterator[dict[str, int]]:
        if not rest:
            if not claim.when or bool(evaluate(env, claim.when, done)):
                yield dict(done)
            return
        name, text = rest[0]
        lo_text, hi_text = text.split("..")
        lo, hi = (as_int(evaluate(env, t, done)) for t in (lo_text, hi_text))
        for value in range(lo, hi + 1):
            yield from extend({**done, name: value}, rest[1:])
    yield from extend({}, list(claim.where))


def compare(q: Any, m: Any, rtol: float) -> str | None:
    """DIFFERS, EQUAL, or None when either side is undefined (never agreement)."""
    q, m = unit(q), unit(m)
    if is_arr(q) != is_arr(m) or (is_arr(q) and q.shape != m.shape):
        return DIFFERS
    qs = [mpmath.mpf(v) for v in (q.flat if is_arr(q) else [q])]
    ms = [mpmath.mpf(v) for v in (m.flat if is_arr(m) else [m])]
    if not all(mpmath.isfinite(v) for v in qs + ms):
        return None
    scale = max([abs(v) for v in qs + ms] + [mpmath.mpf(0)])
    tol = rtol * scale + mpmath.mpf(10) ** -30
    return DIFFERS if any(abs(a - b) > tol for a, b in zip(qs, ms)) else EQUAL


def judge(claim: Claim, texts: list[str], points: int = 6) -> list[Judgement]:
    """The oracle's judgement of each formula in `texts` as the claim's quantity."""
    oracle = oracle_of(claim)
    state: list[Judgement | None] = [None] * len(texts)
    agree = [0] * len(texts)
    try:
        q_tree, q_source = tree_of(claim.sides[0])
        trees = [tree_of(t) for t in texts]
        with mpmath.workdps(MP_DIGITS):
            envs = network_envs(claim.setting, points) if oracle == REFERENCE else \
                scalar_envs(claim.setting, points)
            for env in envs:
                _judge_at(claim, env, q_tree, q_source, trees, state, agree, RTOL[oracle])
    except Unsupported as exc:
        return [s if s is not None and s.kind == DIFFERS else Judgement(NOT_JUDGED, oracle, str(exc))
                for s in state]
    except (IllFormed, SyntaxError, ValueError) as exc:
        return [Judgement(NOT_JUDGED, oracle, f"the quantity: {exc}")] * len(texts)
    return [s if s is not None else
            Judgement(EQUAL, oracle) if agree[i] >= MIN_POINTS else
            Judgement(NOT_JUDGED, oracle, f"only {agree[i]} defined points") for i, s in enumerate(state)]


def _judge_at(claim: Claim, env: Any, q_tree: Any, q_source: str, trees: list, state: list,
              agree: list, rtol: float) -> None:
    oracle = oracle_of(claim)
    for binding in bindings(claim, env):
        q_interp = Interpreter(env, q_source)
        q_interp.bound = binding
        q = q_interp.eval(q_tree)  # Unsupported here: nothing is judged
        for i, (tree, source) in enumerate(trees):
            if state[i] is not None:
                continue
            interp = Interpreter(env, source)
            interp.bound = dict(binding)
            try:
                verdict = compare(q, interp.eval(tree), rtol)
            except IllFormed as exc:
                state[i] = Judgement(DIFFERS, oracle, f"no value at these sizes: {exc}")
                continue
            except Unsupported as exc:
                state[i] = Judgement(NOT_JUDGED, oracle, str(exc))
                continue
            if verdict == DIFFERS:
                state[i] = Judgement(DIFFERS, oracle, f"at {binding or 'the point'}")
            elif verdict == EQUAL:
                agree[i] += 1
