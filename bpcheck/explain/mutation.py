"""Mutation testing of the checker itself: wrong variants of true claims must be refuted.

From each claim expected to hold, the formula as written is edited in the ways
course formulas go wrong (a flipped sign, a dropped or added transpose, swapped
indices, a dropped f', an off-by-one layer, a factor of 2).  A variant the
checker VERIFIES is equivalent to the original (the checker proved it equal to
the quantity); one it cannot process is not a formula of that setting; every
other variant must be REFUTED.  The kill rate is refuted / non-equivalent.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable

from .edits import edits
from ..model import Claim, Expect, Kind, Options
from ..decide.claim import verify_claim

KINDS = ("sign", "transpose-missing", "transpose-extra", "index-swap", "fprime-missing",
         "layer", "factor-2")


@dataclass(frozen=True)
class Mutant:
    claim_id: str
    kind: str
    text: str
    verdict: Kind


def mutants(claim: Claim) -> list[tuple[str, Claim]]:
    formula = claim.sides[-1]
    out = []
    for n, edit in enumerate(e for e in edits(formula) if e.kind in KINDS):
        variant = replace(claim, id=f"{claim.id}~{n}", sides=(claim.sides[0], edit.text),
                          expect=Expect.HOLDS, side_lines=())
        out.append((edit.kind, variant))
    return out


def run_mutation(claims: Iterable[Claim], options: Options) -> list[Mutant]:
    options = replace(options, diagnose=False, shrink=False)  # verdicts only
    results = []
    for claim in claims:
        if claim.expect is not Expect.HOLDS or claim.strategy:
            continue
        for kind, variant in mutants(claim):
            verdict = verify_claim(variant, options)
            results.append(Mutant(claim.id, kind, variant.sides[-1], verdict.kind))
    return results


def kill_rate(results: list[Mutant]) -> dict[str, object]:
    counts = Counter(m.verdict for m in results)
    killed, equivalent = counts[Kind.REFUTED], counts[Kind.VERIFIED]
    live = killed + counts[Kind.INCONCLUSIVE]
    per_kind = {k: sum(1 for m in results if m.kind == k and m.verdict is Kind.REFUTED)
                for k in KINDS}
    return {"mutants": len(results), "killed": killed, "equivalent": equivalent,
            "not_a_formula": counts[Kind.ERROR], "survived": counts[Kind.INCONCLUSIVE],
            "kill_rate": killed / live if live else 1.0, "killed_by_kind": per_kind}


def main() -> None:  # python -m bpcheck.mutation [PATH ...]
    import sys
    from ..catalog.files import load_catalog
    cat = load_catalog(sys.argv[1:] or ["derivations"])
    results = run_mutation(cat.claims, Options(points=12, reference=False))
    summary = kill_rate(results)
    for m in results:
        if m.verdict is Kind.INCONCLUSIVE:
            print(f"survived: {m.claim_id} [{m.kind}] {m.text}")
    print(summary)


if __name__ == "__main__":
    main()
