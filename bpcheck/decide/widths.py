"""Width-generic network claims: proved at small widths, checked in numbers at the stated ones.

Building a network's quantities symbolically costs about n³ in its width (784-100-10 is
out of reach), yet the textbook formulas do not depend on the widths.  A claim on a wide
network is decided here instead when its form allows:

1. it is *width-generic*: its sides are built only from the network's nodes (W[l], b[l],
   z[l], a[l], x, y, yhat, δ^(l), ∂J/∂X of a node), transposes, products, sums, Hadamard
   products, the smooth entrywise functions and numbers; it names no entry, size, sum
   with bounds, constant vector or one-hot class (`generic`);
2. it is proved at the smallest widths that keep its structure: distinct (so W is never
   square and a missing transpose cannot hide; on deeper networks, distinct for layers
   fewer than three apart), at least 3 each; the depth and so every index case is the
   same (`small_widths`);
3. every link is checked in numbers at the stated widths, with every node's value and
   every ∂J/∂X from the NumPy reference (`numeric.wide`).

Why the proof carries to the stated widths.  At widths n, each entry of left − right is
a sum, over unit indices, of terms in the unit-indexed symbols (weights, inputs, and the
activation atoms σ(z_k), each one symbol per unit); the proof is the identity of the
numerator as a polynomial in those symbols, atoms uninterpreted ("atoms" stage: no exp
rewriting, no simplify, no kink regions).  Terms are collected by which of their unit
indices coincide; each pattern's coefficient is a number that does not depend on the
widths as long as every summed index is carried by a symbol of the term (no term that
only counts units), and every pattern occurs once each layer has as many units as a
term has indices of that layer (at most 3 in these formulas: two free indices and one
summed).  So a proof at widths ≥ 3 with no counting term is a proof at every width.
Counting terms (Σ_k 1 = n, from a product of two factors with a part constant along the
summed unit) are looked for in every product of the formulas at the small widths
(`_counts`); finding one, or a proof that needed more than the atoms stage, the claim
is decided at its stated widths when that is affordable, and is INCONCLUSIVE otherwise.

Speed never turns a refutation or an open case into a proof: a difference in numbers
at the stated widths is a REFUTED verdict whatever the small widths gave, and a claim
refuted or open at the small widths but not at the stated widths is decided at the
stated widths (or left INCONCLUSIVE when they are too wide to build).
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import Any, Callable

from ..catalog.files import setting_names
from ..catalog.formula import parse
from ..model import Claim, Kind, LinkResult, Options, Setting, Step
from ..numeric import wide
from .generic import count_free, generic_trees

WIDE = 8  # a network with a layer wider than this is decided at small widths when it can be
BASE = 3  # the smallest of the small widths
AFFORDABLE = 600  # weights the stated widths may have to be built when the small ones cannot decide
NUMERIC_POINTS = 3
SMOOTH = ("sigmoid", "tanh", "identity", "softplus", "swish")
LOSSES = ("mse_half", "mse_sum", "cross_entropy", "binary_cross_entropy")
KEYS = {"widths", "activation", "output", "loss", "target", "batch", "reduction",
        "numbering", "orientation", "layout", "bias", "loss_symbol", "depth_symbol", "symbols"}

Links = tuple[list[LinkResult], str]


def small_widths(widths: list[int]) -> tuple[int, ...]:
    """Distinct widths from BASE up, in the order of the stated ones (ties by position).
    A deeper network repeats 3, 4, 5 down its layers: any two layers fewer than three
    apart still differ (no W is square, a[l-1] and a[l+1] differ in size), and the cost
    stays that of widths 3-5 whatever the depth."""
    if len(widths) > 3:
        return tuple(BASE + k % 3 for k in range(len(widths)))
    order = sorted(range(len(widths)), key=lambda k: (widths[k], k))
    small = [0] * len(widths)
    for rank, k in enumerate(order):
        small[k] = BASE + rank
    return tuple(small)


def generic(claim: Claim) -> tuple[int, ...] | None:
    """The small widths to prove a wide, width-generic network claim at; None otherwise."""
    s = claim.setting
    if s.kind != "network" or claim.strategy or claim.when or claim.scope:
        return None
    widths = list(s.get("widths") or [])
    if not widths or max(widths) <= WIDE or len(widths) < 2 or not set(dict(s.params)) <= KEYS:
        return None
    hidden = s.get("activation", "sigmoid")
    settings_ok = (hidden in SMOOTH and s.get("output", hidden) in SMOOTH + ("softmax",)
                   and s.get("loss", "mse_half") in LOSSES and not s.get("batch", 0)
                   and s.get("target", "free") in ("free", "binary")
                   and s.get("numbering", "standard") == "standard"
                   and s.get("orientation", "out_in") == "out_in"
                   and s.get("bias", True) is True and not s.get("symbols"))
    if not settings_ok:
        return None
    try:
        trees = _trees(claim)
    except (ValueError, KeyError, TypeError):
        return None
    loss, depth = s.loss_name(), str(s.get("depth_symbol", "L"))
    where = {v for v, _ in claim.where}
    if not generic_trees(trees, claim.where, loss, depth, where):
        return None
    return small_widths(widths)


def _trees(claim: Claim) -> list[ast.Expression]:
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    return [parse(side, names).tree for side in claim.sides]


def at_widths(claim: Claim, widths: tuple[int, ...]) -> Claim:
    params = tuple((k, tuple(widths) if k == "widths" else v) for k, v in claim.setting.params)
    return replace(claim, setting=Setting(claim.setting.name, claim.setting.kind, params))


def decide_wide(claim: Claim, small: tuple[int, ...], options: Options,
                check_links: Callable[[Claim, Options], Links],
                cases: Callable[[Claim], list[dict[str, Any]]]) -> Links | None:
    """The links of a width-generic claim; None: decide it at its stated widths."""
    s = claim.setting
    widths = tuple(s.get("widths"))
    reduced = at_widths(claim, small)
    links, _ = check_links(reduced, options)
    trees = _trees(claim)
    bindings = [{k: v for k, v in c.items() if not k.startswith("__")} for c in cases(reduced)]
    net = wide.Net(widths, s.get("activation", "sigmoid"),
                   s.get("output", s.get("activation", "sigmoid")), s.get("loss", "mse_half"),
                   s.loss_name(), str(s.get("depth_symbol", "L")), s.get("target", "free"))
    stated, shown = "-".join(map(str, widths)), "-".join(map(str, small))
    results: list[LinkResult] = []
    for link in links:
        found = wide.first_mismatch(net, trees, (link.left, link.right), bindings, options.seed,
                                    NUMERIC_POINTS, options.rtol, options.atol)
        if found is not None:  # the stated widths refute it, whatever the small ones gave
            results.append(_refuted(link, found, stated, shown))
            continue
        if link.kind is not Kind.VERIFIED or not _atoms_only(link):
            return _fallback(widths, link, shown)
        results.append(replace(link, steps=link.steps + (Step("widths", (
            f"proved at widths {shown}; the proof holds for every width (a polynomial "
            "identity in unit-indexed symbols with no counting term, each width ≥ 3); "
            f"checked numerically at {stated} against the NumPy reference")),),
            numeric=link.numeric + (("points at the stated widths", NUMERIC_POINTS),)))
    if all(r.kind is Kind.VERIFIED for r in results):
        counting = count_free(reduced, trees, cases(reduced))
        if counting:
            return _fallback(widths, None, shown, counting)
    return results, _scope(claim, widths, small, results)


def _atoms_only(link: LinkResult) -> bool:
    """Proved by the first stage alone: no exp rewriting, no simplify, no kink regions."""
    labels = {step.label for step in link.steps}
    regions = any(step.label == "cases" and "region" in step.text for step in link.steps)
    return "atoms" in labels and not labels & {"exp", "simplify"} and not regions


def for_explaining(claim: Claim) -> Claim:
    """The claim a refutation is explained on: a wide width-generic claim at its small
    widths (its diagnosis and smallest widths are searched there; the refutation itself
    was confirmed at the stated widths)."""
    small = generic(claim)
    return at_widths(claim, small) if small else claim


def _fallback(widths: tuple[int, ...], link: LinkResult | None, shown: str,
              why: str = "") -> Links | None:
    """Decide at the stated widths when they can be built; otherwise INCONCLUSIVE."""
    if sum(a * b for a, b in zip(widths, widths[1:])) <= AFFORDABLE:
        return None
    why = why or (f"at widths {shown} the link is {link.kind.value}" if link and
                  link.kind is not Kind.VERIFIED else
                  f"the proof at widths {shown} needed more than uninterpreted atoms")
    reason = (f"agrees numerically at the stated widths, but {why}, so the proof does not "
              "carry to them, and they are too wide to build")
    left, right = (link.left, link.right) if link else (0, 1)
    stated = "-".join(map(str, widths))
    return [LinkResult(left, right, Kind.INCONCLUSIVE, reason)], \
        f"widths {stated}: checked numerically only; bounded"


def _refuted(link: LinkResult, found: Any, stated: str, shown: str) -> LinkResult:
    if isinstance(found, str):
        return LinkResult(link.left, link.right, Kind.REFUTED, f"at widths {stated}: {found}",
                          case=link.case)
    where = (f"at widths {stated} (seeded point {found.point + 1}) entry {found.entry} is "
             f"{found.left:.6g} on the left and {found.right:.6g} on the right")
    if link.kind is Kind.REFUTED and link.counterexample is not None:
        return replace(link, reason=f"{link.reason} (counterexample at widths {shown}; {where})")
    return LinkResult(link.left, link.right, Kind.REFUTED, f"the sides differ numerically {where}",
                      link.steps, None, link.numeric, link.case)


def _scope(claim: Claim, widths: tuple[int, ...], small: tuple[int, ...],
           results: list[LinkResult]) -> str:
    s = claim.setting
    hidden = s.get("activation", "sigmoid")
    head = (f"widths {'-'.join(map(str, widths))}; {hidden} hidden / "
            f"{s.get('output', hidden)} output; loss {s.get('loss', 'mse_half')}")
    if any(r.kind is not Kind.VERIFIED for r in results):
        return head
    return (f"{head}; proved at widths {'-'.join(map(str, small))} and for every width "
            f"(width-generic formula, no counting term); checked numerically at the "
            f"stated widths ({NUMERIC_POINTS} points, NumPy reference)")
