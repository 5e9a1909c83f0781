"""What gradcheck is told about the user's network, and the one error it raises."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..reference.network import Activation, activation_of, elu, leaky_relu

Array = np.ndarray


class GradcheckError(Exception):
    """The check could not be run (the message names the function or parameter at fault)."""


@dataclass(frozen=True, eq=False)
class Architecture:
    """What the user's network is, so it can also be compared with bpcheck's NumPy reference
    and its symbolic gradient.

    activations: one per layer, a name ("tanh") or, for the activations with a parameter,
    "leaky_relu(0.2)" / "leaky_relu(slope=0.2)" and "elu(1.5)" / "elu(alpha=1.5)" (left out:
    slope 0.01, alpha 1). x, y are in the reference layout (one sample per column). mapping
    sends each user parameter name to "W[l]", "b[l]", "W[l].T" (a user matrix stored as the
    transpose of W[l]) or "[W[l], b[l]]" / "[b[l], W[l]]" (a bias folded into W as its last or
    first column), see gradcheck.layout; biases may be stored as (n,), (n, 1) or (1, n); an
    unmapped bias is taken as zero (a layer without biases). symbolic: None
    compares with the symbolic gradient when the network is small enough, True always, False
    never (it needs one activation shared by all hidden layers; see gradcheck.symbolic).
    """

    widths: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    x: Array
    y: Array
    mapping: Mapping[str, str]
    reduction: str = "sum"
    symbolic: bool | None = None


PARAMETERS = {"leaky_relu": ("slope", leaky_relu), "elu": ("alpha", elu)}
_SPEC = re.compile(r"^\s*([a-z_]+)\s*(?:\(\s*(?:([a-z]+)\s*=\s*)?([^()=\s]+)\s*\))?\s*$")


def parse_activation(spec: object) -> tuple[str, float | None]:
    """("leaky_relu", 0.2) for "leaky_relu(0.2)" or "leaky_relu(slope=0.2)"; (name, None) for a
    name alone. Raises ValueError for anything else."""
    m = _SPEC.match(str(spec))
    if not m:
        raise ValueError(f"activation {spec!r} is not a name or name(number)")
    name, key, value = m.groups()
    if value is None:
        return name, None
    if name not in PARAMETERS or key not in (None, PARAMETERS[name][0]):
        known = ", ".join(f"{n}({p}=...)" for n, (p, _) in PARAMETERS.items())
        raise ValueError(f"activation {spec!r}: only {known} take a parameter")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"activation {spec!r}: {value!r} is not a number") from None
    if not np.isfinite(number):
        raise ValueError(f"activation {spec!r}: the parameter must be finite")
    return name, number


def reference_activation(spec: object) -> Activation:
    """The NumPy reference's activation for a declared spec (see parse_activation)."""
    if isinstance(spec, Activation):
        return spec
    name, value = parse_activation(spec)
    return activation_of(name) if value is None else PARAMETERS[name][1](value)
