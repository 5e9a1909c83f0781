"""Explain a refutation: the repair that makes the formula true, and the smallest network
that still shows the error.  Each is searched within the claim's time limit; when it runs
out, the refutation stands and only its explanation is cut short."""
from __future__ import annotations

from dataclasses import replace

from ..decide.claim import deadline
from ..model import Claim, Kind, Options, Verdict
from .conventions import convention_hint
from .diagnose import apply, diagnose
from .shrink import minimal_widths


def explain_refutation(claim: Claim, verdict: Verdict, options: Options) -> Verdict:
    """`verdict` with its diagnosis and minimal widths added (a verdict that is not a
    refutation comes back unchanged)."""
    if verdict.kind is not Kind.REFUTED:
        return verdict
    try:
        with deadline(options.timeout):
            hint = convention_hint(claim, options)
            if hint:  # the formula is right for the convention meant: no repair to search
                verdict = replace(verdict, diagnosis=hint,
                                  extra=verdict.extra + (("convention_hint", hint),))
            elif options.diagnose:
                verdict = apply(verdict, diagnose(claim, verdict, options))
            if options.shrink:
                widths = minimal_widths(claim, verdict, options)
                if widths is not None:
                    verdict = replace(verdict, extra=verdict.extra + (("minimal_widths", widths),))
    except Exception:  # a timeout, or a repair the engine cannot process: the refutation
        pass           # stands, only its explanation is cut short (never a traceback)
    return verdict
