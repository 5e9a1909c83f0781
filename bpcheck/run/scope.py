"""Which claims of a note a definition that disagrees with the setting leaves not judged.

A claim is decided in the setting the note's defaults declare; a definition of the note that
this setting refutes says the note's network differs there, and every claim whose truth
depends on what that definition defines would be judged about another network.  Only those
are left not judged; the others are decided as usual:

- a claim that names no quantity of the network (`∂ ReLU(x)/∂x`, `dσ(x)/dx`) depends on no
  definition of the note;
- a loss definition concerns only the claims that depend on the loss: those naming it, δ or
  a gradient (`∂σ(z)/∂z`, `∂z/∂a = W` do not);
- a forward-pass definition (z, a, ŷ) concerns every claim about the network, unless the note
  also defines the same quantity in a way the setting confirms: then it is an alternative the
  note states beside its own (another convention), and concerns only the claims of its section.
"""
from __future__ import annotations

import ast
from typing import Sequence

from ..model import Claim

_NETWORK = frozenset({"W", "b", "B", "z", "a", "delta", "yhat"})
_LOSS_USES = frozenset({"delta", "grad"})


def blocking(claim: Claim, bad: Sequence[Claim], good: Sequence[Claim]) -> Claim | None:
    """The first definition of `bad` (same file and setting as `claim`) whose disagreement
    concerns `claim`, or None; `good` are the definitions the setting confirmed."""
    names = _names(claim)
    loss = claim.setting.loss_name()
    if not names & (_NETWORK | {loss}):
        return None
    confirmed = {_defined(g) for g in good if g.file == claim.file and g.setting == claim.setting}
    for d in bad:
        if d.file != claim.file or d.setting != claim.setting:
            continue
        defined = _defined(d)
        if defined == loss:
            if names & (_LOSS_USES | {loss}):
                return d
        elif defined in confirmed:
            if d.title == claim.title:
                return d
        else:
            return d
    return None


def _defined(definition: Claim) -> str:
    """The quantity a definition defines: `z[l][j]` -> z, the loss's name."""
    try:
        node = ast.parse(definition.sides[0], mode="eval").body
    except SyntaxError:
        return ""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _names(claim: Claim) -> set[str]:
    out: set[str] = set()
    for side in claim.sides:
        try:
            tree = ast.parse(side, mode="eval")
        except SyntaxError:
            return set(_NETWORK)  # cannot tell: about the network
        out.update(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    return out
