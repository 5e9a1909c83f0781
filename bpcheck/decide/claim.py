"""Decide one claim: every link of its chain, in every case, symbolically and numerically.

The verdict rules (never call a wrong formula right):
- VERIFIED: every link proved equal symbolically, and the numbers agree.
- REFUTED: some link has a numeric counterexample, or its sides differ in shape.
- INCONCLUSIVE: no counterexample, but no proof either (time limit, an
  unproven identity, or the symbolic result contradicted by the numbers).
- ERROR: the claim cannot be processed (meaningless in its setting).
"""
from __future__ import annotations

import signal
import time
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Iterator

from ..catalog.files import setting_names
from ..catalog.formula import node_key, parse
from ..model import Claim, Kind, LinkResult, Options, Verdict, expected_ok
from ..symbolic.evaluate import EvalError
from ..symbolic.linalg import ShapeError
from . import widths
from .links import check_links
from .worlds import cases, world_for


class ClaimTimeout(Exception):
    pass


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
    """The claim's verdict.  A refutation comes back as it was found: its diagnosis and
    smallest sizes are the explaining stage's work, asked for by the caller
    (`bpcheck.run.check.check_claim` does both)."""
    start = time.perf_counter()
    try:
        with deadline(options.timeout):
            links, scope = _decided_links(claim, options)
        verdict = _combine(claim, links, scope, _time_left(options, start))
    except ClaimTimeout:
        verdict = Verdict(claim.id, Kind.INCONCLUSIVE, False,
                          f"time limit of {options.timeout:g} s reached before a decision")
    except Exception as exc:  # a claim that cannot be processed is a verdict, not a crash
        verdict = Verdict(claim.id, Kind.ERROR, False, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    ok = expected_ok(verdict.kind, claim.expect)
    return Verdict(**{**verdict.__dict__, "ok": ok, "seconds": round(seconds, 4)})


def _decided_links(claim: Claim, options: Options) -> tuple[list[LinkResult], str]:
    """`check_links`, kept in the world by the claim's content: a repair that a
    diagnosis verifies is often the catalog's own correction of the erratum (the same
    formula, perhaps spaced differently), decided once.  Ids, titles and lines do not
    change links."""
    if claim.strategy == "indexed":  # sizes are symbols: no world of its setting here
        return check_links(claim, options)
    try:
        names = setting_names(claim.setting) | {v for v, _ in claim.where}
        sides = tuple(node_key(parse(s, names).tree) for s in claim.sides)
    except (ValueError, KeyError, TypeError):  # not a formula: decided (as an error) anew
        return check_links(claim, options)
    small = widths.generic(claim)
    # a wide, width-generic claim is kept in the world of its small widths (the stated
    # widths' world is never built unless the small ones cannot decide)
    memo = world_for(widths.at_widths(claim, small) if small else claim).decided
    key = (sides, claim.where, claim.when, claim.strategy, claim.scope, claim.setting,
           replace(options, diagnose=True, shrink=True))  # neither changes a link
    if key not in memo:
        decided = widths.decide_wide(claim, small, options, check_links,
                                     lambda c: cases(c, world_for(c))) if small else None
        memo[key] = decided or check_links(claim, options)
    return memo[key]


def _time_left(options: Options, start: float) -> float | None:
    """What is left of the claim's time limit (None: no limit)."""
    if options.timeout <= 0:
        return None
    return options.timeout - (time.perf_counter() - start)


def _combine(claim: Claim, links: list[LinkResult], scope: str,
             left: float | None = None) -> Verdict:
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
        ends = _ends_agree(claim, left)
    return Verdict(claim.id, kind, False, reason, tuple(links), first, ends, scope=scope)


def _ends_agree(claim: Claim, left: float | None = None) -> bool | None:
    """Does the chain's last member still equal its first (the errors cancelled)?
    None: not known (nor when what is `left` of the time limit runs out)."""
    if left is not None and left <= 0:
        return None
    ends = Claim(**{**claim.__dict__, "sides": (claim.sides[0], claim.sides[-1])})
    try:
        with deadline(left or 0):
            links, _ = check_links(ends, Options(reference=False))
    except (ShapeError, EvalError):
        return False
    except ClaimTimeout:
        return None
    return links[0].kind is Kind.VERIFIED if links[0].kind is not Kind.INCONCLUSIVE else None
