"""Check every link of a claim's chain, in every index case: symbolically and numerically.

A link is REFUTED by a numeric counterexample or by shapes that do not fit, VERIFIED
when the zero test proves it and the numbers agree, INCONCLUSIVE otherwise."""
from __future__ import annotations

import ast
import math
from typing import Any

import sympy as sp

from ..catalog.files import setting_names
from ..catalog.formula import parse
from ..model import Claim, Kind, LinkResult, Options, Step
from ..numeric.compare import compare, search
from ..numeric.threeway import cross_check
from ..symbolic import dag
from ..symbolic.atoms import Sig, Tanh, prove_lemmas
from ..symbolic.evaluate import EvalError
from ..symbolic.kinks import kink_note
from ..symbolic.linalg import ShapeError, entries as la_entries
from ..symbolic.world import ELU_ALPHA, LEAKY_SLOPE, World
from ..symbolic.zero_test import SymbolicResult, decide, same_shape
from . import every_size
from .expansion import SMALL, expansion_terms
from .kinked import is_kinked
from .worlds import case_label, cases, screen_for, side_value, world_for

_LEMMAS: list[tuple[str, bool]] = []


def check_links(claim: Claim, options: Options) -> tuple[list[LinkResult], str]:
    if claim.strategy == "indexed":
        return every_size.check(claim, options)
    world = world_for(claim)
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    trees = [parse(side, names).tree for side in claim.sides]
    all_cases = cases(claim, world)
    results = []
    for left, right in claim.links:
        results.append(_check_link(claim, world, trees, left, right, all_cases, options))
    scope = _scope(claim, world, all_cases)
    if is_kinked(claim) and all(r.kind is Kind.VERIFIED for r in results):
        note = _kink_note(world, trees, all_cases)
        scope = f"{scope}; {note}" if note else scope
    return results, scope


def _kink_note(world: World, trees: list[ast.Expression], all_cases: list[dict[str, Any]]) -> str:
    """The set a proved claim's decision excluded (kinks, ties, piecewise boundaries).
    It never changes the verdict: a failure or a timeout gives the plain statement."""
    try:
        first, *others = [[side_value(world, t, c) for t in trees] for c in all_cases]
        return kink_note(first, others)
    except Exception:  # (ClaimTimeout too: the proof is done, the note only describes it)
        return "excluded: the kinks of its ReLU/step/|·|/max/piecewise terms (not analysed)"


def _check_link(claim: Claim, world: World, trees: list[ast.Expression], left: int, right: int,
                all_cases: list[dict[str, Any]], options: Options) -> LinkResult:
    proof_steps: tuple[Step, ...] = ()
    evidence: tuple[tuple[str, Any], ...] = ()
    for group in _groups(all_cases):
        if len(group) > 1:  # several target classes: an identity for every y covers them all
            try:
                done = _check_case(claim, world, trees, left, right, _free_target(group[0]),
                                   options)
            except EvalError:  # the formula names the class (kt): class by class
                done = None
            if done is not None and not isinstance(done, LinkResult):
                proof_steps = proof_steps or done[0] + (
                    Step("targets", "proved for every target y, so for each one-hot class"),)
                evidence = done[1]
                continue
        for case in group:
            done = _check_case(claim, world, trees, left, right, case, options)
            if isinstance(done, LinkResult):
                return done
            proof_steps, evidence = proof_steps or done[0], done[1]
    steps = proof_steps + _lemma_steps(world, trees)
    if len(all_cases) > 1:
        steps += (Step("cases", f"proved in each of {len(all_cases)} cases"),)
    return LinkResult(left, right, Kind.VERIFIED, "proved equal; numbers agree",
                      steps, None, evidence)


def _groups(all_cases: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Cases that differ only in the target class, together."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for case in all_cases:
        key = tuple(sorted((k, v) for k, v in case.items() if not k.startswith("__") and k != "kt"))
        groups.setdefault(key, []).append(case)
    return list(groups.values())


def _free_target(case: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in case.items() if not k.startswith("__") and k != "kt"}


def _check_case(claim: Claim, world: World, trees: list[ast.Expression], left: int, right: int,
                case: dict[str, Any], options: Options):
    """A failing LinkResult, or the (proof steps, evidence) of a case that holds."""
    label = case_label(case)
    try:
        lhs, rhs = (side_value(world, trees[k], case) for k in (left, right))
    except ShapeError as exc:
        return LinkResult(left, right, Kind.REFUTED, f"not well-formed: {exc}", case=label)
    mismatch = same_shape(lhs, rhs)
    if mismatch:
        return LinkResult(left, right, Kind.REFUTED, mismatch, case=label)
    kinked = is_kinked(claim)
    num = _numbers(world, lhs, rhs, options, kinked)
    if num.points == 0:  # every sample sat on a kink, or a side is undefined everywhere
        return LinkResult(left, right, Kind.INCONCLUSIVE, num.note, (), None,
                          tuple(num.evidence()), label)
    sym = _zero_test(lhs, rhs, num.agree, kinked)
    evidence = list(num.evidence())
    if left == 0:
        cross = cross_check(world, trees[0], lhs, case, options, kinked)
        if cross is not None:
            evidence.extend(cross.evidence())
            if not cross.trusted:
                return LinkResult(left, right, Kind.INCONCLUSIVE, _DISTRUST[cross.label],
                                  sym.steps, None, tuple(evidence), label)
    if num.agree and sym.equal is True and not _leaves_reals(num, lhs, rhs):
        return sym.steps, tuple(evidence)
    wide = None if num.counterexample else search(lhs, rhs, world, options.seed, options.rtol,
                                                  options.atol, kinked)
    if wide is not None:  # a counterexample beyond the default box, in high precision
        return LinkResult(left, right, Kind.REFUTED, "the sides differ numerically (found "
                          "beyond the default sampling box)", sym.steps, wide.counterexample,
                          tuple(evidence), label)
    if num.counterexample is not None:
        return LinkResult(left, right, Kind.REFUTED, "the sides differ numerically",
                          sym.steps, num.counterexample, tuple(evidence), label)
    if not num.agree:  # undefined or complex-only differences, or float64 rounding
        return LinkResult(left, right, Kind.INCONCLUSIVE, f"no counterexample: {num.note}",
                          sym.steps, None, tuple(evidence), label)
    if sym.equal is not True:
        return LinkResult(left, right, Kind.INCONCLUSIVE,
                          "the numbers agree but the symbolic check could not prove it",
                          sym.steps, None, tuple(evidence), label)
    return sym.steps, tuple(evidence)


def _numbers(world: World, lhs: Any, rhs: Any, options: Options, kinked: bool):
    """The world's shared points first (values of shared sub-terms are kept); a
    disagreement, or too few points off the kinks or where both sides are defined,
    gets the full comparison (which re-checks a disagreement in high precision)."""
    num = screen_for(world, options).compare(lhs, rhs, options.rtol, options.atol, kinked,
                                          min_points=max(1, options.points // 2))
    if num is None or not num.agree:
        num = compare(lhs, rhs, world, options.seed, options.points, options.rtol, options.atol,
                      kinked=kinked)
    return num


def _leaves_reals(num: Any, lhs: Any, rhs: Any) -> bool:
    """Can a side leave the reals (sqrt(-1), a fractional power, a log)?  Such a
    formula is also searched beyond the default box before it is VERIFIED: a branch
    of log or a power can differ only far from the origin."""
    if num.note:
        return True
    values = [e for side in (lhs, rhs) for e in la_entries(side) if isinstance(e, sp.Basic)]
    if len(_LEAVES) > 200_000:
        _LEAVES.clear()
    return any(_leaves(e) for e in values)


_LEAVES: dict[sp.Basic, bool] = {}  # per node: can it leave the reals? (kept across claims)


def _leaves(e: sp.Basic) -> bool:
    stack: list[tuple[sp.Basic, bool]] = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node in _LEAVES:
            continue
        if ready:
            _LEAVES[node] = (node is sp.I or isinstance(node, sp.log)
                             or (node.is_Pow and not node.exp.is_integer)
                             or any(_LEAVES[a] for a in node.args))
        else:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in _LEAVES)
    return _LEAVES[e]


def _zero_test(lhs: Any, rhs: Any, agree: bool, kinked: bool) -> SymbolicResult:
    """`decide`, simplifying only to prove, never to refute.  Once the numbers refute
    the link, the expansion only adds proof steps: one too large to be quick is not
    started (it runs in C, where the time limit's alarm cannot stop it)."""
    if not agree:
        terms = expansion_terms(lhs, rhs)
        if terms > SMALL:
            return SymbolicResult(None, (Step("unexpanded", (
                f"left − right not expanded (up to {terms:.2g} terms): the numbers "
                "already refute it") if terms < math.inf else (
                "left − right not expanded (nested too deep to size): the numbers "
                "already refute it")),), "")
    return decide(lhs, rhs, allow_simplify=agree, kinked=kinked)


_DISTRUST = {
    "symbolic engine": "three-way cross-check: the symbolic derivative is out of line (finite "
                       "differences and the reference agree with each other): not trusted",
    "reference": "three-way cross-check: the NumPy reference is out of line (the symbolic "
                 "derivative and finite differences agree): not trusted",
}


def _lemma_steps(world: World, trees: list[ast.Expression]) -> tuple[Step, ...]:
    if not _LEMMAS:
        _LEMMAS.extend(prove_lemmas())
    uses = world.lemma_uses
    if not uses:  # which lemmas the world's definitions rest on, found once per world
        defined = sp.Tuple(*[e for node in world.nodes.values() if node.defn is not None
                             for e in la_entries(node.defn) if isinstance(e, sp.Basic)])
        uses.update(Sig=dag.has_type(defined, (Sig,)), Tanh=dag.has_type(defined, (Tanh,)))
    steps = []
    for text, ok in _LEMMAS:
        if ("σ" in text and uses["Sig"]) or ("tanh" in text and uses["Tanh"]):
            steps.append(Step("lemma", f"{text}: {'proved' if ok else 'NOT proved'}"))
    return tuple(steps)


def _act(net: dict[str, Any], name: str) -> str:
    """An activation as the scope names it: with its slope or α when not the default."""
    value = {"leaky_relu": net.get("leaky_slope"), "elu": net.get("elu_alpha")}.get(name)
    default = {"leaky_relu": LEAKY_SLOPE, "elu": ELU_ALPHA}.get(name)
    return f"{name} ({'slope' if name == 'leaky_relu' else 'α'} {value})" \
        if value is not None and value != default else name


def _scope(claim: Claim, world: World, all_cases: list[dict[str, Any]]) -> str:
    if claim.scope:
        return claim.scope
    s = claim.setting
    if s.kind == "network":
        net = world.network
        parts = [f"widths {'-'.join(map(str, net['widths']))}",
                 f"{_act(net, net['hidden'])} hidden / {_act(net, net['output'])} output",
                 f"loss {net['loss']}"]
        if not net.get("bias", True):
            parts.append("no biases")
        if net["batch"]:
            parts.append(f"batch of {net['batch']} ({net['reduction']})")
        return "; ".join(parts) + "; bounded: these sizes only"
    if len(all_cases) > 1:
        return f"the {len(all_cases)} index cases listed"
    return "all real values of the symbols (away from kinks)"
