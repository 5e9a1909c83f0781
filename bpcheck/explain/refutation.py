"""Explain a refutation: the repair that makes the formula true, and the smallest network
that still shows the error.  Each is searched within the claim's time limit; when it runs
out, the refutation stands and only its explanation is cut short."""
from __future__ import annotations

from dataclasses import replace

from ..decide.claim import deadline
from ..model import Claim, Kind, Options, Verdict
from .conventions import convention_fix, convention_hint
from .diagnose import apply, diagnose
from .shrink import minimal_widths


def explain_refutation(claim: Claim, verdict: Verdict, options: Options) -> Verdict:
    """`verdict` with its diagnosis and minimal widths added (a verdict that is not a
    refutation comes back unchanged)."""
    if verdict.kind is not Kind.REFUTED:
        return verdict
    try:
        with deadline(options.timeout):
            fix = convention_fix(claim, options)
            if fix and fix[0] == "target":  # δ = a − y is right for one-hot targets:
                verdict = _with_hint(verdict, claim, options, fix, "")  # no repair to search
            else:
                if options.diagnose:
                    verdict = apply(verdict, diagnose(claim, verdict, options))
                if fix:  # a repair in this setting and the other convention: both are said
                    verdict = _with_hint(verdict, claim, options, fix, verdict.diagnosis)
            if options.shrink:
                widths = minimal_widths(claim, verdict, options)
                if widths is not None:
                    verdict = replace(verdict, extra=verdict.extra + (("minimal_widths", widths),))
    except Exception:  # a timeout, or a repair the engine cannot process: the refutation
        pass           # stands, only its explanation is cut short (never a traceback)
    return verdict


def _with_hint(verdict: Verdict, claim: Claim, options: Options, fix: tuple[str, str],
               repair: str) -> Verdict:
    """The convention's hint as the diagnosis, after a repair found in the claim's own
    setting (a single or double edit, not a rewrite) when there is one."""
    hint = convention_hint(claim, options, fix)
    edits = dict(verdict.extra).get("diagnosis_edits") or ()
    text = f"{repair}; or: {hint}" if repair and edits and "rewrite" not in edits else hint
    return replace(verdict, diagnosis=text, extra=verdict.extra + (
        ("convention_hint", hint), ("convention", "=".join(fix))))
