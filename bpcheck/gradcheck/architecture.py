"""What gradcheck is told about the user's network, and the one error it raises."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

Array = np.ndarray


class GradcheckError(Exception):
    """The check could not be run (the message names the function or parameter at fault)."""


@dataclass(frozen=True, eq=False)
class Architecture:
    """What the user's network is, so it can also be compared with bpcheck's NumPy reference
    and its symbolic gradient.

    x, y are in the reference layout (one sample per column). mapping sends each user parameter
    name to "W[l]", "b[l]" or "W[l].T" (a user matrix stored as the transpose of W[l]); biases
    may be stored as (n,), (n, 1) or (1, n); an unmapped bias is taken as zero. symbolic: None
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
