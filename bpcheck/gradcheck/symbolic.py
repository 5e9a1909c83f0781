"""bpcheck's symbolic gradient of a declared architecture, at the user's own numbers (issue 7).

For a network declared to gradcheck (widths, activations, loss, reduction, and which user arrays
are W[l] and b[l]), this builds the same symbolic network that bpcheck's proofs use (a
`Setting(name, "network", ...)` through `bpcheck.symbolic.build.build_world`), takes the first-principles
derivative diff(J, W[l]) / diff(J, b[l]) symbolically, and evaluates it at the user's parameter
values and data. It is a third source of truth beside finite differences of the user's loss and
the NumPy reference, and the only one that does not run any hand-written backward pass.

SymPy is imported only inside symbolic_gradients(), after the checks that can skip the
comparison, so gradcheck without an architecture (or with an inexpressible one) never loads it.
Only networks whose hidden layers share one activation are expressible as a bpcheck setting
(activation = the hidden layers', output = the last layer's); others are skipped with a note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from ..model import Setting
from .architecture import parse_activation
from .layout import Target, has_bias, has_weights, join, split

if TYPE_CHECKING:  # no cost at run time
    from .architecture import Architecture

__all__ = ["MAX_COST", "SymbolicGradients", "cost", "network_setting", "symbolic_gradients",
           "unsupported"]

Array = np.ndarray

# The activations bpcheck.world defines symbolically (kept here so the checks need no SymPy).
SYMBOLIC_ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity", "softmax", "leaky_relu", "elu",
                        "softplus", "swish")

# Above this estimated cost the comparison is skipped unless Architecture.symbolic is True.
# cost() is parameters^2 x samples x layers; 2-3-3-1 with 4 samples is 7,500, 3-4-4-1 with 4
# samples about 20,000: each about 0.2 s after SymPy's import (benchmarks/gradcheck_speed.py).
MAX_COST = 30_000


@dataclass(frozen=True)
class SymbolicGradients:
    """The symbolic gradients in the user's layouts (empty when skipped, with a note why)."""

    grads: dict[str, Array] = field(default_factory=dict)
    loss: float | None = None  # J at the user's values (None when skipped)
    note: str = ""


def _columns(x: Array) -> int:
    return 1 if np.ndim(x) == 1 else int(np.shape(x)[1])


def _loss_mapping(loss: str, reduction: str, cols: int) -> tuple[str, str, float]:
    """The reference's (loss, reduction) as bpcheck's network (loss, reduction) and a factor.

    The reference's mse_mean is a mean over the outputs of each sample; bpcheck's network
    mse_mean is the mean over every entry of the batch, i.e. the reference's with reduction
    "mean". With reduction "sum" the reference's is `cols` times bpcheck's (see numeric/crosscheck.py).
    """
    if loss == "mse_mean":
        return "mse_mean", "sum", 1.0 if reduction == "mean" else float(cols)
    return loss, reduction, 1.0


def network_setting(arch: Architecture) -> tuple[Setting, float]:
    """The bpcheck setting of the declared network, and the factor from its J to the user's loss.
    The architecture must be expressible (see unsupported())."""
    loss, reduction, scale = _loss_mapping(arch.loss, arch.reduction, _columns(arch.x))
    acts = tuple(name for name, _ in map(parse_activation, arch.activations))
    params: tuple[tuple[str, Any], ...] = (
        ("widths", tuple(int(n) for n in arch.widths)),
        ("activation", acts[0]),  # the hidden layers' (= the output's for one layer)
        ("output", acts[-1]),
        ("loss", loss),
        ("batch", 0 if np.ndim(arch.x) == 1 else _columns(arch.x)),
        ("reduction", reduction),
    ) + tuple(_activation_parameters(arch))
    return Setting("gradcheck", "network", params), scale


_SETTING_KEYS = {"leaky_relu": "leaky_slope", "elu": "elu_alpha"}


def _activation_parameters(arch: Architecture) -> list[tuple[str, float]]:
    """The setting's leaky_slope / elu_alpha, exact as the user wrote them (0.2 is 1/5)."""
    out = {}
    for spec in arch.activations:
        name, value = parse_activation(spec)
        if value is not None:
            out[_SETTING_KEYS[name]] = value
    return sorted(out.items())


_DEFAULTS = {"leaky_relu": 0.01, "elu": 1.0}


def _with_default(name: str, value: float | None) -> tuple[str, float | None]:
    return name, _DEFAULTS.get(name) if value is None else value


def cost(arch: Architecture) -> int:
    """A size estimate of the symbolic work (grows with parameters, samples and depth)."""
    w = [int(n) for n in arch.widths]
    n_params = sum(a * b + b for a, b in zip(w[:-1], w[1:]))
    return n_params * n_params * _columns(arch.x) * (len(w) - 1)


def unsupported(arch: Architecture) -> str | None:
    """Why bpcheck's symbolic gradient is not compared for this architecture, or None."""
    if getattr(arch, "symbolic", None) is False:
        return "symbolic comparison off (symbolic = false)"
    try:
        parsed = [_with_default(*parse_activation(f)) for f in arch.activations]
    except ValueError as e:
        return f"symbolic comparison skipped: {e}"
    acts = tuple(map(str, arch.activations))
    if len(set(parsed[:-1])) > 1:
        return ("symbolic comparison skipped: bpcheck's network settings have one activation for "
                f"every hidden layer, and this network's hidden layers use {', '.join(acts[:-1])} "
                "(finite differences and the reference still apply)")
    odd = [name for name, _ in parsed if name not in SYMBOLIC_ACTIVATIONS]
    if odd:
        return f"symbolic comparison skipped: no symbolic form of the activation {odd[0]!r}"
    if any(n == name and v != value for name, value in parsed for n, v in parsed):
        return ("symbolic comparison skipped: bpcheck's network settings have one slope (alpha) "
                f"for every layer, and this network's layers use {', '.join(acts)}")
    if getattr(arch, "symbolic", None) is not True and cost(arch) > MAX_COST:
        return (f"symbolic comparison skipped: widths {'-'.join(map(str, arch.widths))} with "
                f"{_columns(arch.x)} sample(s) is too large for bpcheck's symbolic gradient "
                "(check a smaller network or batch, or set symbolic = true to force it)")
    return None


def symbolic_gradients(
    arch: Architecture,
    targets: Mapping[str, Target],
    arrays: Mapping[str, Array],
    reference_loss: float | None = None,
) -> SymbolicGradients:
    """diff(J, W[l]) and diff(J, b[l]) for every mapped user parameter, at the user's values.

    targets: user name -> ("W" or "b", l, transposed), as parsed from arch.mapping; arrays: the
    user's parameter arrays. An unmapped bias is zero. A note is added when J at these values
    differs from reference_loss (the two sides would then not describe the same network).
    """
    why = unsupported(arch)
    if why is not None:
        return SymbolicGradients(note=why)
    try:
        return _evaluate(arch, targets, arrays, reference_loss)
    except Exception as e:  # bpcheck's own machinery: never turn it into a verdict on user code
        return SymbolicGradients(note=f"symbolic comparison skipped: bpcheck's symbolic gradient "
                                      f"could not be computed ({type(e).__name__}: {e})")


def _layers(arch: Architecture, targets: Mapping[str, Target], arrays: Mapping[str, Array]):
    depth = len(arch.widths) - 1
    W: dict[int, Array] = {}
    b = {l: np.zeros((int(arch.widths[l]), 1)) for l in range(1, depth + 1)}
    for name, target in targets.items():
        w_part, b_part = split(target, np.asarray(arrays[name], dtype=np.float64))
        if w_part is not None:
            W[target[1]] = w_part
        if b_part is not None:
            b[target[1]] = b_part.reshape(-1, 1)
    return W, b


@lru_cache(maxsize=8)
def _derivatives(setting: Setting, wanted: tuple[tuple[str, int], ...]) -> tuple[Any, list, dict]:
    """The symbolic network, [J, then every entry of each diff(J, W[l]) / diff(J, b[l]) in
    wanted] in free symbols, and where each gradient starts. They depend on the setting only,
    not on the values, so repeated checks of one architecture (a test suite) reuse them."""
    from ..symbolic.build import build_world  # SymPy from here on
    from ..catalog.files import setting_names
    from ..symbolic.evaluate import Evaluator
    from ..catalog.formula import parse
    from ..symbolic.linalg import entries, unit

    world = build_world(setting)
    names = setting_names(setting)
    evaluator = Evaluator(world, {})
    exprs, starts = [world.expand("J")], {}
    for kind, l in wanted:
        starts[kind, l] = len(exprs)
        exprs.extend(entries(unit(evaluator.eval(parse(f"diff(J, {kind}[{l}])", names).tree))))
    return world, exprs, starts


def _evaluate(arch, targets, arrays, reference_loss) -> SymbolicGradients:
    from ..numeric.compare import evaluate

    setting, scale = network_setting(arch)
    wanted = tuple(sorted({(part, l) for kind, l, _ in targets.values() for part in set(kind)}))
    world, exprs, starts = _derivatives(setting, wanted)
    W, b = _layers(arch, targets, arrays)
    cols = max(_columns(arch.x), 1)
    values: dict[Any, float] = {}

    def assign(node: str, arr: Array) -> None:
        sym = world.nodes[node].sym
        arr = np.asarray(arr, dtype=np.float64).reshape(sym.rows, sym.cols)
        values.update({sym[i, j]: float(arr[i, j]) for i in range(sym.rows) for j in range(sym.cols)})

    assign("x", np.reshape(arch.x, (-1, cols)))
    assign("y", np.reshape(arch.y, (-1, cols)))
    for l in range(1, len(arch.widths)):
        assign(f"W[{l}]", W[l])
        assign(f"b[{l}]", b[l])
    symbols = list(world.free)
    numbers = evaluate(exprs, symbols, np.array([[values[s] for s in symbols]]))[0] * scale

    def part(kind: str, l: int, like: Array) -> Array:
        start = starts[kind, l]
        return numbers[start:start + like.size].reshape(like.shape)

    grads = {}
    for name, target in targets.items():
        kind, l, _ = target
        dW = part("W", l, W[l]) if has_weights(kind) else None
        db = part("b", l, b[l]).reshape(-1) if has_bias(kind) else None
        grads[name] = join(target, np.shape(arrays[name]), dW, db)
    loss = float(numbers[0])
    note = ""
    if reference_loss is not None and not math.isclose(loss, reference_loss, rel_tol=1e-9, abs_tol=1e-12):
        note = (f"bpcheck's symbolic network gives loss {loss:.10g} but the reference gives "
                f"{reference_loss:.10g}: the symbolic comparison describes another network")
    return SymbolicGradients(grads, loss, note)
