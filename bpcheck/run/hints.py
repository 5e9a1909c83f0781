"""A convention hint holds for the whole source, not one formula only: a hint to change a
key of a setting is withdrawn when a claim of the same setting that holds as written is
refuted numerically with that key changed (the source's other formulas then show which
convention it uses).  Only claims that carry a hint cost anything here, and a run without
one (a warm run above all) never imports SymPy here."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..model import Claim, Expect, Kind, Verdict


def settle_hints(pairs: list[tuple[Claim, Verdict]], options: Any) -> list[tuple[Claim, Verdict]]:
    """`pairs` with each convention hint that another claim of its setting contradicts
    taken back (the diagnosis keeps the repair found in the claim's own setting)."""
    if not any(dict(v.extra).get("convention") for _, v in pairs):
        return pairs
    quick = replace(options, diagnose=False, shrink=False)
    out = []
    for claim, verdict in pairs:
        fix = dict(verdict.extra).get("convention")
        if fix and _contradicted(claim, fix, pairs, quick):
            verdict = _withdrawn(verdict)
        out.append((claim, verdict))
    return out


def _contradicted(claim: Claim, fix: str, pairs: list[tuple[Claim, Verdict]],
                  options: Any) -> bool:
    from ..decide.outcome import numeric_outcome  # (SymPy: never on a run without hints)
    from ..explain.conventions import changed_setting
    key, value = fix.split("=", 1)
    changed = changed_setting(claim.setting, key, value)
    for other, verdict in pairs:
        if other is claim or other.file != claim.file or other.setting != claim.setting or \
                verdict.kind is not Kind.VERIFIED or other.expect is not Expect.HOLDS:
            continue
        moved = replace(other, setting=changed)
        if any(numeric_outcome(moved, options, link) in ("differ", "shape")
               for link in moved.links):
            return True
    return False


def _withdrawn(verdict: Verdict) -> Verdict:
    extra = dict(verdict.extra)
    hint = extra.pop("convention_hint", "")
    extra.pop("convention", None)
    repair = verdict.diagnosis.removesuffix(hint).removesuffix("; or: ") \
        if verdict.diagnosis.endswith(hint) else verdict.diagnosis
    return replace(verdict, diagnosis=repair, extra=tuple(extra.items()))
