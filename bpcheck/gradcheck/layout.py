"""Where each user array sits in the declared network: the [architecture] mapping, read once.

A mapping value names what the user's array holds, in the reference's terms (W[l] is
n_l x n_{l-1}, b[l] a vector of n_l):

  "W[l]"             the weights as they are          "W[l].T"            stored transposed
  "b[l]"             the bias, any vector shape: (n,), (n, 1) or (1, n)
  "[W[l], b[l]]"     the bias folded into W as its last column (the input augmented with a
                     trailing 1: z = [W b] [a; 1]); "[b[l], W[l]]" as its first column (a
                     leading 1, x0 = 1); either with ".T" when that matrix is stored transposed
                     (the bias is then the last or first row).

An unmapped bias is zero: a layer without biases is declared by leaving its bias out.
"""
from __future__ import annotations

import re
from typing import Mapping

import numpy as np

from .architecture import GradcheckError

Array = np.ndarray
# (kind, layer, stored transposed); kind is "W", "b", "Wb" (bias folded in as the last
# column of W) or "bW" (as the first column).
Target = tuple[str, int, bool]

_PLAIN = r"(W|b)\s*\[\s*(\d+)\s*\]"
_TARGET = re.compile(rf"^\s*{_PLAIN}\s*(\.T)?\s*$")
_FOLDED = re.compile(r"^\s*\[\s*(W|b)\s*\[\s*(\d+)\s*\]\s*,\s*(W|b)\s*\[\s*(\d+)\s*\]\s*\]\s*(\.T)?\s*$")
FORMS = "W[l], W[l].T, b[l], [W[l], b[l]] or [b[l], W[l]] (either with .T)"


def has_weights(kind: str) -> bool:
    return "W" in kind


def has_bias(kind: str) -> bool:
    return "b" in kind


def _read(spec: str, depth: int) -> Target | None:
    m = _TARGET.match(spec)
    if m:
        kind, l, tr = m.group(1), int(m.group(2)), bool(m.group(3))
        return (kind, l, tr) if 1 <= l <= depth and not (kind == "b" and tr) else None
    m = _FOLDED.match(spec)
    if not m or {m.group(1), m.group(3)} != {"W", "b"} or m.group(2) != m.group(4):
        return None
    l = int(m.group(2))
    return (m.group(1) + m.group(3), l, bool(m.group(5))) if 1 <= l <= depth else None


def parse_target(name: str, spec: object, arrays: Mapping[str, Array], widths: tuple[int, ...]) -> Target:
    """The target of one mapping entry, its shape checked against the declared widths."""
    if name not in arrays:
        raise GradcheckError(f"architecture mapping names '{name}', which is not a checked parameter")
    depth = len(widths) - 1
    target = _read(str(spec), depth)
    if target is None:
        raise GradcheckError(f"architecture mapping for '{name}': {spec!r} is not {FORMS} "
                             f"with l in 1..{depth}")
    kind, l, tr = target
    shape = arrays[name].shape
    if kind == "b":
        size = arrays[name].size
        if size != widths[l] or max(shape, default=1) != size:  # a vector
            raise GradcheckError(f"'{name}' has shape {shape} but {spec} is a vector of {widths[l]}")
        return target
    extra = 0 if kind == "W" else 1  # the column of the folded bias
    want = (widths[l], widths[l - 1] + extra)
    stored = want[::-1] if tr else want
    if shape != stored:
        hint = f"; map it as {_flipped(spec)}?" if shape == stored[::-1] else ""
        if kind == "W" and shape in ((want[0], want[1] + 1), (want[1] + 1, want[0])):
            hint = f"; a bias folded into it? map it as \"[W[{l}], b[{l}]]\" (or \"[b[{l}], W[{l}]]\")"
        raise GradcheckError(f"'{name}' has shape {shape}, but {spec} needs {stored} "
                             f"(W[{l}] is {widths[l]}x{widths[l - 1]}){hint}")
    return target


def _flipped(spec: object) -> str:
    text = str(spec).strip()
    return text[:-2].rstrip() if text.endswith(".T") else text + ".T"


def split(target: Target, array: Array) -> tuple[Array | None, Array | None]:
    """(W[l], b[l]) in the reference's layout (n_l x n_{l-1}, a vector), None where the
    array holds no such part."""
    kind, _, tr = target
    if kind == "b":
        return None, array.reshape(-1)
    m = array.T if tr else array
    if kind == "W":
        return m, None
    return (m[:, :-1], m[:, -1]) if kind == "Wb" else (m[:, 1:], m[:, 0])


def join(target: Target, shape: tuple[int, ...], dW: Array | None, db: Array | None) -> Array:
    """The gradient of the user's array from the gradients of its parts, in the user's layout."""
    kind, _, tr = target
    if kind == "b":
        return np.asarray(db).reshape(shape)
    if kind == "W":
        m = dW
    else:
        col = np.asarray(db).reshape(-1, 1)
        m = np.hstack([dW, col] if kind == "Wb" else [col, dW])
    return m.T if tr else m


def layer_arrays(targets: Mapping[str, Target], arrays: Mapping[str, Array],
                 widths: tuple[int, ...]) -> tuple[list, list]:
    """W[l] and b[l] by layer (index 0 None), from the user's arrays; an unmapped bias is zero.
    Raises GradcheckError when two arrays claim one part or a W[l] is unmapped."""
    depth = len(widths) - 1
    W: list = [None] * (depth + 1)
    b: list = [None] + [np.zeros(n) for n in widths[1:]]
    seen: dict[tuple[str, int], str] = {}
    for name, target in targets.items():
        kind, l, _ = target
        for part in sorted(set(kind)):
            if (part, l) in seen:
                raise GradcheckError(f"architecture mapping sends both '{seen[part, l]}' and '{name}' "
                                     f"to {part}[{l}]")
            seen[part, l] = name
        w_part, b_part = split(target, arrays[name])
        if w_part is not None:
            W[l] = w_part
        if b_part is not None:
            b[l] = b_part
    missing = [f"W[{l}]" for l in range(1, depth + 1) if W[l] is None]
    if missing:
        raise GradcheckError(f"architecture mapping names no parameter for {', '.join(missing)}")
    return W, b
