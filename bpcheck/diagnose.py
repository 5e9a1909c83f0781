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
from typing import Iterator

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
    link = verdict.links[verdict.first_broken]
    left, wrong = claim.sides[link.left], claim.sides[link.right]
    search = _Search(claim, left, options)
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    batch = int(claim.setting.get("batch", 0) or 0)
    singles = [e for e in edits(wrong, batch) if _parses(e.text, names)]
    found = search.first_repair((e,) for e in singles)
    if found is None:
        # a second edit only after a first that leaves the formula well-formed: of two
        # mistakes, one can always be undone first without breaking the shapes
        seen = {e.text for e in singles} | {wrong}
        pairs = ((first, second) for first in singles if search.outcomes.get(first.text) == "differ"
                 for second in edits(first.text, batch)
                 if second.text not in seen and not seen.add(second.text)
                 and _parses(second.text, names))
        found = search.first_repair(pairs)
    if found is None:
        return Diagnosis(False, tried=search.tried)
    return Diagnosis(True, tuple(e.error or e.what for e in found), tuple(e.kind for e in found),
                     found[-1].text, search.tried)


class _Search:
    """Screens candidate repairs numerically; a candidate that passes is decided in full."""

    def __init__(self, claim: Claim, left: str, options: Options) -> None:
        self.claim, self.left, self.options = claim, left, options
        self.quick = replace(options, points=8, reference=False, diagnose=False, shrink=False)
        self.outcomes: dict[str, str] = {}
        self.tried = 0

    def first_repair(self, paths: Iterator[tuple[Edit, ...]]) -> tuple[Edit, ...] | None:
        from .verify import numeric_outcome, verify_claim  # the verifier imports us lazily
        for path in paths:
            if self.tried >= MAX_SCREENED:
                return None
            self.tried += 1
            trial = replace(self.claim, id=f"{self.claim.id}~repair", side_lines=(), corrects="",
                            sides=(self.left, path[-1].text), expect=Expect.HOLDS)
            outcome = self.outcomes[path[-1].text] = numeric_outcome(trial, self.quick)
            if outcome == "equal" and verify_claim(
                    trial, replace(self.options, diagnose=False, shrink=False)).kind is Kind.VERIFIED:
                return path
        return None


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


__all__ = ["Diagnosis", "diagnose", "apply"]
