"""Activation-derivative identities under a heading that names one activation.

Notes often walk through activations one section at a time (`#### ReLU`, `##### Sigmoid`,
`#### The Linear Activation Function`) and state, in each, the derivative of *that*
activation with the network's own letters (`\\partial z^{(l)}_i / \\partial h^{(l)}_i = ...`,
`df(x)/dx = 1`), whatever the activations of the note's running example are.  Such a claim
is about `a = act(z)` for the section's activation, not about the setting's layers.

Only an identity between one layer's `a` and `z` (entrywise or diagonal, calls of activation
functions, indices, widths and numbers: nothing else of the network) is read this way, and
only when the heading names exactly one built-in activation; the reading says so.  Every
other claim keeps the setting.
"""
from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Any

from ..model import Setting

# heading words -> built-in activation (leaky ReLU before ReLU: its words contain "relu")
_NAMED = (("leaky_relu", r"leaky[\s_-]*re?lu"), ("relu", r"(?<!leaky )\brelu\b"),
          ("sigmoid", r"\bsigmoid\b|\blogistic\b"), ("tanh", r"\btanh\b|hyperbolic tangent"),
          ("identity", r"\blinear\b|\bidentity\b"), ("elu", r"(?<![a-z])elu\b"),
          ("softplus", r"\bsoftplus\b"), ("swish", r"\bswish\b"))
# names an activation identity may use besides one layer's a and z
_CALLS = {"diff", "piecewise", "diag", "step", "eye", "Heaviside", "sigmoid", "relu", "tanh",
          "identity", "leaky_relu", "elu", "softplus", "swish", "exp", "log", "f", "g",
          "fprime", "gprime", "sign", "Max", "max", "transpose", "onehot", "sum"}
_LAYERED = {"a", "z"}
_NETWORK_LETTERS = {"y", "b", "x"}  # the target and the bias are no index


def heading_activation(heading: str) -> str:
    """The one built-in activation a heading names ("" for none or several)."""
    words = heading.lower()
    found = {name for name, pattern in _NAMED if re.search(pattern, words)}
    return found.pop() if len(found) == 1 else ""


def is_activation_identity(sides: list[str]) -> bool:
    """Whether every side speaks only of one layer's a and z (the same layer throughout),
    through activation calls, indices, widths and numbers, and a derivative is among them."""
    layers: set[str] = set()
    derivative = False
    for side in sides:
        try:
            tree = ast.parse(side, mode="eval")
        except SyntaxError:
            return False
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                if not (isinstance(node.func, ast.Name) and node.func.id in _CALLS):
                    return False
                derivative |= node.func.id == "diff"
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                    and node.value.id in _LAYERED:
                layers.add(_layer_of(node))
            elif isinstance(node, ast.Name) and node.id == "x":
                layers.add("x")  # the input, before it is read entrywise as a[0][j]
            elif isinstance(node, ast.Name) and not _allowed_name(node):
                return False
    return derivative and len(layers) == 1


def _layer_of(node: ast.Subscript) -> str:
    """The layer slice of `a[l]`, `a[l][i]`, `z[l][i, n]` (the innermost subscript)."""
    return ast.dump(node.slice)


def _allowed_name(name: ast.Name) -> bool:
    """A call's own name, a width `n[...]`, a layered quantity, or a one-letter index."""
    if name.id in _CALLS or name.id in _LAYERED or name.id in ("n", "L"):
        return True
    return len(name.id) == 1 and name.id.islower() and name.id not in _NETWORK_LETTERS


def in_section(frame: Any, heading: str, sides: list[str], reason: str) -> tuple[Any, str]:
    """The frame (setting and context) a claim is read in, and its reason: every layer's
    activation the heading's when the claim is an activation identity under a heading that
    names one, and the setting's does not already agree; else both unchanged."""
    act = heading_activation(heading)
    setting: Setting = frame.setting
    if not act or setting.kind != "network" or not frame.ctx.network or \
            (setting.get("activation"), setting.get("output", setting.get("activation"))) \
            == (act, act) or not is_activation_identity(sides):
        return frame, reason
    params = dict(setting.params)
    params.update(activation=act, output=act)
    own = Setting(f"{setting.name}[{act}]", setting.kind, tuple(sorted(params.items())))
    told = f"with {act} as every layer's activation (a = {act}(z)), as the section " \
        f"'{heading.strip()}' is about"
    return replace(frame, setting=own, ctx=replace(frame.ctx, activation=act)), \
        (f"{reason}; {told}" if reason else told)
