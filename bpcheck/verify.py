"""Decide one claim: every link of its chain, in every case, symbolically and numerically.

The verdict rules (never call a wrong formula right):
- VERIFIED: every link proved equal symbolically, and the numbers agree.
- REFUTED: some link has a numeric counterexample, or its sides differ in shape.
- INCONCLUSIVE: no counterexample, but no proof either (time limit, an
  unproven identity, or the symbolic result contradicted by the numbers).
- ERROR: the claim cannot be processed (meaningless in its setting).
"""
from __future__ import annotations

import ast
import re
import signal
import time
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Iterator

import numpy as np
import sympy as sp

from . import dag
from . import indexed as indexed_mod
from .kinks import kink_note
from .atoms import Sig, Tanh, prove_lemmas
from .build import build_world, onehot_subs
from .threeway import cross_check
from .evaluate import EvalError, Evaluator
from .exprs import parse, node_key
from .catalog import setting_names
from .linalg import IndexRangeError, ShapeError, entries as la_entries
from .model import Claim, Kind, LinkResult, Options, Setting, Step, Verdict, expected_ok
from .numeric import Screen, compare
from .symbolic import decide, same_shape
from .world import World


class ClaimTimeout(Exception):
    pass


_WORLDS: dict[Any, World] = {}
_LEMMAS: list[tuple[str, bool]] = []


def world_for(claim: Claim) -> World:
    if claim.setting not in _WORLDS:
        _WORLDS[claim.setting] = build_world(claim.setting)
    return _WORLDS[claim.setting]


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Interrupt SymPy after `seconds` (SIGALRM: main thread of a process only).
    Deadlines nest: an inner one (a repair checked during a diagnosis) never outlives
    the outer one, and the outer one keeps running after it."""
    if seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise ClaimTimeout()
    outer_left = signal.getitimer(signal.ITIMER_REAL)[0]
    started = time.monotonic()
    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer_left) if outer_left else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer_left:  # re-arm the enclosing deadline with what is left of it
            signal.setitimer(signal.ITIMER_REAL,
                             max(outer_left - (time.monotonic() - started), 1e-3))


def verify_claim(claim: Claim, options: Options = Options()) -> Verdict:
    start = time.perf_counter()
    try:
        with deadline(options.timeout):
            links, scope = _decided_links(claim, options)
        verdict = _combine(claim, links, scope)
    except ClaimTimeout:
        verdict = Verdict(claim.id, Kind.INCONCLUSIVE, False,
                          f"time limit of {options.timeout:g} s reached before a decision")
    except Exception as exc:  # a claim that cannot be processed is a verdict, not a crash
        verdict = Verdict(claim.id, Kind.ERROR, False, f"{type(exc).__name__}: {exc}")
    if verdict.kind is Kind.REFUTED:
        verdict = _explain(claim, verdict, options)
    seconds = time.perf_counter() - start
    ok = expected_ok(verdict.kind, claim.expect)
    return Verdict(**{**verdict.__dict__, "ok": ok, "seconds": round(seconds, 4)})


def _decided_links(claim: Claim, options: Options) -> tuple[list[LinkResult], str]:
    """`_check_links`, kept in the world by the claim's content: a repair that a
    diagnosis verifies is often the catalog's own correction of the erratum (the same
    formula, perhaps spaced differently), decided once.  Ids, titles and lines do not
    change links."""
    if claim.strategy == "indexed":  # sizes are symbols: no world of its setting here
        return _check_links(claim, options)
    try:
        names = setting_names(claim.setting) | {v for v, _ in claim.where}
        sides = tuple(node_key(parse(s, names).tree) for s in claim.sides)
    except (ValueError, KeyError, TypeError):  # not a formula: decided (as an error) anew
        return _check_links(claim, options)
    memo = world_for(claim).decided
    key = (sides, claim.where, claim.when, claim.strategy, claim.scope,
           replace(options, diagnose=True, shrink=True))  # neither changes a link
    if key not in memo:
        memo[key] = _check_links(claim, options)
    return memo[key]


def _explain(claim: Claim, verdict: Verdict, options: Options) -> Verdict:
    """Diagnosis and minimal sizes of a refutation (each within the time limit)."""
    from .diagnose import apply, diagnose
    from .shrink import minimal_widths
    try:
        with deadline(options.timeout):
            if options.diagnose:
                verdict = apply(verdict, diagnose(claim, verdict, options))
            if options.shrink:
                widths = minimal_widths(claim, verdict, options)
                if widths is not None:
                    verdict = replace(verdict, extra=verdict.extra + (("minimal_widths", widths),))
    except Exception:  # a timeout, or a repair the engine cannot process: the refutation
        pass           # stands, only its explanation is cut short (never a traceback)
    return verdict


def numeric_outcome(claim: Claim, options: Options, link: tuple[int, int] = (0, 1)) -> str:
    """A quick look at one link, no proof: "equal" (the numbers agree in every case),
    "differ" (they differ somewhere), "shape" (the sides do not fit together) or
    "invalid" (an index outside the setting, or nothing to compare)."""
    try:
        names = setting_names(claim.setting) | {v for v, _ in claim.where}
        trees = [parse(claim.sides[k], names).tree for k in link]
    except (ValueError, KeyError, TypeError):
        return "invalid"
    return tree_outcome(claim, trees, options, _kinked(claim))


def tree_outcome(claim: Claim, trees: list[ast.Expression], options: Options,
                 kinked: bool) -> str:
    """`numeric_outcome` of two parsed sides in the claim's setting and index cases
    (a diagnosis screens candidate trees without writing them out as text)."""
    try:
        world = world_for(claim)
        for case in cases(claim, world):
            try:
                quick = None if world.indexed else _quick_agree(world, trees, case, options,
                                                                kinked)
                if quick == "shape":
                    return "shape"
                if quick is not None:
                    if not quick:
                        return "differ"
                    continue
                lhs, rhs = (_side(world, t, case) for t in trees)
            except IndexRangeError:
                return "invalid"
            except ShapeError:
                return "shape"
            if same_shape(lhs, rhs):
                return "shape"
            agree = _screen(world, options).agree(lhs, rhs, options.rtol, options.atol,
                                                  kinked)
            if agree is None:  # the screen cannot tell: the full comparison
                num = compare(lhs, rhs, world, options.seed, options.points, options.rtol,
                              options.atol, simplify=False, kinked=kinked)
                if num.points == 0:
                    return "invalid"
                agree = num.agree
            if not agree:
                return "differ"
        return "equal"
    except (EvalError, ValueError, KeyError, TypeError):
        return "invalid"


def _quick_agree(world: World, trees: list[ast.Expression], case: dict[str, Any],
                 options: Options, kinked: bool) -> bool | str | None:
    """Both sides at the screen's points, their operators applied to numbers
    (`quickeval`): True/False, "shape", or None when only SymPy values can tell."""
    from .quickeval import CannotScreen, QuickEvaluator
    screen = _screen(world, options)
    ev = QuickEvaluator(screen, {k: v for k, v in case.items() if not k.startswith("__")},
                        onehot_subs(world, case), kinked)
    try:
        with np.errstate(all="ignore"):
            lhs, rhs = (ev.eval(t) for t in trees)
    except CannotScreen:
        return None
    lhs, rhs = lhs.unit(), rhs.unit()
    if lhs.shape != rhs.shape or lhs.mat != rhs.mat:
        return "shape"
    rows = ev.off_kinks if ev.off_kinks is not None else slice(None)
    return screen.agrees(lhs.flat()[rows], rhs.flat()[rows], options.rtol, options.atol)


def _screen(world: World, options: Options) -> Screen:
    key = (options.seed, options.points)
    if key not in world.screens:
        world.screens[key] = Screen(world, options.seed, options.points)
    return world.screens[key]


def link_refuted(claim: Claim, options: Options, link: tuple[int, int]) -> bool:
    """Is this link refuted by shapes or numbers (index errors do not count)?"""
    return numeric_outcome(claim, options, link) in ("shape", "differ")


# ---- cases: index bindings x target classes -----------------------------------

def cases(claim: Claim, world: World) -> list[dict[str, Any]]:
    """Every index binding of the claim's ranges (and `when`) with every target class;
    kept per world, since a diagnosis asks again for each candidate repair."""
    key = (claim.where, claim.when)
    if key not in world.case_memo:
        world.case_memo[key] = _cases(claim, world)
    return world.case_memo[key]


def _cases(claim: Claim, world: World) -> list[dict[str, Any]]:
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    bound: list[dict[str, Any]] = [{}]
    for var, rng in claim.where:
        lo_txt, hi_txt = rng.split("..", 1)
        grown = []
        for b in bound:
            ev = Evaluator(world, b)
            lo = ev.integer(parse(lo_txt, names).tree)
            hi = ev.integer(parse(hi_txt, names).tree)
            grown.extend({**b, var: k} for k in range(lo, hi + 1))
        bound = grown
    if claim.when:
        test = parse(claim.when, names).tree
        bound = [b for b in bound if bool(Evaluator(world, b).eval(test))]
    if not bound:
        raise EvalError("the index ranges are empty: nothing to check")
    return [{**b, **c} for b in bound for c in world.cases]


def _label(case: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in case.items() if not k.startswith("__"))


# ---- checking links ---------------------------------------------------------------

def _check_links(claim: Claim, options: Options) -> tuple[list[LinkResult], str]:
    if claim.strategy == "indexed":
        return indexed_mod.check(claim, options)
    world = world_for(claim)
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    trees = [parse(side, names).tree for side in claim.sides]
    all_cases = cases(claim, world)
    results = []
    for left, right in claim.links:
        results.append(_check_link(claim, world, trees, left, right, all_cases, options))
    scope = _scope(claim, world, all_cases)
    if claim.setting.kind == "scalar" and all(r.kind is Kind.VERIFIED for r in results):
        note = kink_note(_side(world, trees[0], all_cases[0]), _side(world, trees[-1], all_cases[0]))
        scope = f"{scope}; {note}" if note else scope
    return results, scope


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
    label = _label(case)
    try:
        lhs, rhs = (_side(world, trees[k], case) for k in (left, right))
    except ShapeError as exc:
        return LinkResult(left, right, Kind.REFUTED, f"not well-formed: {exc}", case=label)
    mismatch = same_shape(lhs, rhs)
    if mismatch:
        return LinkResult(left, right, Kind.REFUTED, mismatch, case=label)
    kinked = _kinked(claim)
    # the world's shared points first (values of shared sub-terms are kept); a
    # disagreement, or too few points off the kinks, gets the full comparison
    num = _screen(world, options).compare(lhs, rhs, options.rtol, options.atol, kinked,
                                          min_points=max(1, options.points // 2))
    if num is None or not num.agree:
        num = compare(lhs, rhs, world, options.seed, options.points, options.rtol, options.atol,
                      kinked=kinked)
    if num.points == 0:  # every sample sat on a kink: the numbers decide nothing
        return LinkResult(left, right, Kind.INCONCLUSIVE, num.note, (), None,
                          tuple(num.evidence()), label)
    # simplify only to prove, never to refute
    sym = decide(lhs, rhs, allow_simplify=num.agree, kinked=kinked)
    evidence = list(num.evidence())
    if left == 0:
        cross = cross_check(world, trees[0], lhs, case, options, kinked)
        if cross is not None:
            evidence.extend(cross.evidence())
            if not cross.trusted:
                return LinkResult(left, right, Kind.INCONCLUSIVE, _DISTRUST[cross.label],
                                  sym.steps, None, tuple(evidence), label)
    if not num.agree:
        return LinkResult(left, right, Kind.REFUTED, "the sides differ numerically",
                          sym.steps, num.counterexample, tuple(evidence), label)
    if sym.equal is not True:
        return LinkResult(left, right, Kind.INCONCLUSIVE,
                          "the numbers agree but the symbolic check could not prove it",
                          sym.steps, None, tuple(evidence), label)
    return sym.steps, tuple(evidence)


_SIDES: dict[tuple[Any, str, tuple], Any] = {}
MAX_SIDES = 4096


KINKED_WORDS = ("relu", "step", "abs", "max", "min", "piecewise", "maxpool", "argmax_mask")


def _kinked(claim: Claim) -> bool:
    """Can the claim contain ReLU/step/|·|/max/piecewise atoms? (a cheap static test)"""
    key = (claim.setting, claim.sides)
    if key not in _KINKED:
        if len(_KINKED) >= MAX_SIDES:
            _KINKED.clear()
        _KINKED[key] = _kinked_text(claim)
    return _KINKED[key]


_KINKED: dict[tuple, bool] = {}


def _kinked_text(claim: Claim) -> bool:
    return kinked_setting(claim.setting) or any(
        re.search(rf"\b{w}\s*\(", t) for t in claim.sides for w in KINKED_WORDS)


def kinked_setting(s: Setting) -> bool:
    """Does the setting itself bring kinks (a ReLU layer, a kinked definition)?"""
    if s.get("activation") == "relu" or s.get("output") == "relu":
        return True
    texts = [t for _, t in (s.get("define", ()) or ())]
    return any(re.search(rf"\b{w}\s*\(", t) for t in texts for w in KINKED_WORDS)


def kinked_trees(setting: Setting, trees: list[ast.Expression]) -> bool:
    """`_kinked` for parsed sides: a call of a kinked function in any of them."""
    return kinked_setting(setting) or any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in KINKED_WORDS
        for t in trees for n in ast.walk(t))


_DISTRUST = {
    "symbolic engine": "three-way cross-check: the symbolic derivative is out of line (finite "
                       "differences and the reference agree with each other): not trusted",
    "reference": "three-way cross-check: the NumPy reference is out of line (the symbolic "
                 "derivative and finite differences agree): not trusted",
}


def _side(world: World, tree: ast.Expression, case: dict[str, Any]) -> Any:
    """A side's value in a case.  Values are kept per (setting, formula, index binding):
    claims of one setting share quantities (each δ^(l) is derived once), and the
    target classes only substitute into a value already evaluated."""
    bindings = {k: v for k, v in case.items() if not k.startswith("__")}
    key = (world.setting, node_key(tree), tuple(sorted(bindings.items())))
    if key not in _SIDES:
        if len(_SIDES) >= MAX_SIDES:
            _SIDES.clear()
        _SIDES[key] = Evaluator(world, bindings).eval(tree)
    value = _SIDES[key]
    subs = onehot_subs(world, case)
    if subs:
        value = dag.xreplace(value, subs)
    if isinstance(value, tuple):
        raise EvalError("a side evaluated to a tuple, not a value")
    if isinstance(value, sp.MatrixBase):
        value = sp.ImmutableMatrix(value)
    return value


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


def _scope(claim: Claim, world: World, all_cases: list[dict[str, Any]]) -> str:
    if claim.scope:
        return claim.scope
    s = claim.setting
    if s.kind == "network":
        net = world.network
        parts = [f"widths {'-'.join(map(str, net['widths']))}",
                 f"{net['hidden']} hidden / {net['output']} output", f"loss {net['loss']}"]
        if net["batch"]:
            parts.append(f"batch of {net['batch']} ({net['reduction']})")
        return "; ".join(parts) + "; bounded: these sizes only"
    if len(all_cases) > 1:
        return f"the {len(all_cases)} index cases listed"
    return "all real values of the symbols (away from kinks)"


def _combine(claim: Claim, links: list[LinkResult], scope: str) -> Verdict:
    kinds = [l.kind for l in links]
    first = next((i for i, l in enumerate(links) if l.kind is Kind.REFUTED), None)
    if first is not None:
        kind, reason = Kind.REFUTED, links[first].reason
        if len(links) > 1:
            reason = f"link {first + 1} of {len(links)} fails: {reason}"
    elif all(k is Kind.VERIFIED for k in kinds):
        kind, reason = Kind.VERIFIED, "every link proved; numbers agree"
    else:
        idx = next(i for i, k in enumerate(kinds) if k is not Kind.VERIFIED)
        kind, reason = Kind.INCONCLUSIVE, links[idx].reason
    ends = None
    if first is not None and len(claim.sides) > 2:
        ends = _ends_agree(claim)
    return Verdict(claim.id, kind, False, reason, tuple(links), first, ends, scope=scope)


def _ends_agree(claim: Claim) -> bool | None:
    """Does the chain's last member still equal its first (the errors cancelled)?"""
    ends = Claim(**{**claim.__dict__, "sides": (claim.sides[0], claim.sides[-1])})
    try:
        links, _ = _check_links(ends, Options(reference=False))
    except (ShapeError, EvalError):
        return False
    return links[0].kind is Kind.VERIFIED if links[0].kind is not Kind.INCONCLUSIVE else None
