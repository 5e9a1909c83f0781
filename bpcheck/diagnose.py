"""Say what is wrong with a refuted formula: the edit that makes it true.

The first broken link's right side is edited in the ways course formulas go
wrong (`edits.py`).  Each candidate is screened numerically against the link's
left side (cheap), and a candidate that passes is then decided in full: only a
VERIFIED candidate is reported as the likely error, with its corrected form.
One edit is tried first, then two; when nothing verifies, the answer is an
honest "no simple repair found", never a guess.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterator

from .catalog import setting_names
from .edits import Edit, edits
from .exprs import FormulaError, parse
from .model import Claim, Expect, Kind, Options, Verdict

MAX_SCREENED = 600


@dataclass(frozen=True)
class Diagnosis:
    found: bool
    what: tuple[str, ...] = ()  # one sentence per edit
    kinds: tuple[str, ...] = ()
    corrected: str = ""  # the corrected right side of the broken link
    tried: int = 0

    @property
    def message(self) -> str:
        if self.found:
            return "likely error: " + "; and ".join(self.what)
        return f"no simple repair found ({self.tried} one- and two-edit variants tried)"


def diagnose(claim: Claim, verdict: Verdict, options: Options) -> Diagnosis:
    if verdict.kind is not Kind.REFUTED or verdict.first_broken is None or claim.strategy:
        return Diagnosis(False)
    from .verify import numerically_equal, verify_claim  # the verifier imports us lazily too
    link = verdict.links[verdict.first_broken]
    left, wrong = claim.sides[link.left], claim.sides[link.right]
    batch = int(claim.setting.get("batch", 0) or 0)
    quick = replace(options, points=8, reference=False, diagnose=False)
    tried = 0
    for path in _candidates(wrong, batch, claim):
        if tried >= MAX_SCREENED:
            break
        tried += 1
        trial = replace(claim, id=f"{claim.id}~repair", sides=(left, path[-1].text),
                        expect=Expect.HOLDS, side_lines=(), corrects="")
        if not numerically_equal(trial, quick):
            continue
        if verify_claim(trial, replace(options, diagnose=False)).kind is Kind.VERIFIED:
            return Diagnosis(True, tuple(e.error or e.what for e in path), tuple(e.kind for e in path),
                             path[-1].text, tried)
    return Diagnosis(False, tried=tried)


def _candidates(text: str, batch: int, claim: Claim) -> Iterator[tuple[Edit, ...]]:
    """Single edits first, then pairs (each pair once), all well-formed in the setting."""
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    singles = [e for e in edits(text, batch) if _parses(e.text, names)]
    yield from ((e,) for e in singles)
    seen = {e.text for e in singles} | {text}
    for first in singles:
        for second in edits(first.text, batch):
            if second.text not in seen and _parses(second.text, names):
                seen.add(second.text)
                yield (first, second)


def _parses(text: str, names: set[str]) -> bool:
    try:
        parse(text, names)
        return True
    except (FormulaError, SyntaxError):
        return False


def apply(verdict: Verdict, diagnosis: Diagnosis) -> Verdict:
    extra = dict(verdict.extra)
    if diagnosis.found:
        extra["diagnosis_edits"] = list(diagnosis.kinds)
    return replace(verdict, diagnosis=diagnosis.message, corrected=diagnosis.corrected,
                   extra=tuple(extra.items()))


__all__ = ["Diagnosis", "diagnose", "apply", "Any"]
