"""Mutation testing of the checker itself: wrong variants of true claims must be refuted.

From each claim expected to hold, the formula as written is edited in the ways
course formulas go wrong (a flipped sign, a dropped or added transpose, swapped
indices, a dropped f', an off-by-one layer, a factor of 2).  Whether a variant
still equals the quantity is decided by an oracle independent of the checker
(`oracle`: the NumPy reference for networks, mpmath at 60 digits for scalar
settings, through an interpreter of its own), never by bpcheck's verdict:

- equal by the oracle: *equivalent* (bpcheck may verify it, or stay inconclusive);
- different by the oracle: *killed* when bpcheck REFUTES it (or gives ERROR on a
  variant the oracle also finds meaningless at these sizes), *survived* when it is
  INCONCLUSIVE or ERROR otherwise, and a **false proof** when bpcheck VERIFIES it;
- not judged: the oracle cannot evaluate a construct (named), or cannot reproduce the
  claim's own formula; never counted as equivalent.

The kill rate is killed / (variants the oracle finds different).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable

from ..explain.edits import edits
from .oracle import DIFFERS, EQUAL, NOT_JUDGED, judge, oracle_of
from ..model import Claim, Expect, Kind, Options
from ..decide.claim import verify_claim

KINDS = ("sign", "transpose-missing", "transpose-extra", "index-swap", "fprime-missing",
         "layer", "factor-2")
ILL_FORMED = "no value at these sizes"


@dataclass(frozen=True)
class Mutant:
    claim_id: str
    kind: str
    text: str
    verdict: Kind  # bpcheck's
    oracle: str  # which oracle judged: "reference" or "mpmath"
    judgement: str  # the oracle's: equal, differs, not judged
    reason: str = ""

    @property
    def outcome(self) -> str:
        if self.judgement == NOT_JUDGED:
            return "not judged"
        if self.judgement == EQUAL:
            return "false refutation" if self.verdict is Kind.REFUTED else "equivalent"
        if self.verdict is Kind.VERIFIED:
            return "FALSE PROOF"
        if self.verdict is Kind.REFUTED or (self.verdict is Kind.ERROR
                                            and self.reason.startswith(ILL_FORMED)):
            return "killed"
        return "survived"


def mutants(claim: Claim) -> list[tuple[str, Claim]]:
    formula = claim.sides[-1]
    out = []
    for n, edit in enumerate(e for e in edits(formula) if e.kind in KINDS):
        variant = replace(claim, id=f"{claim.id}~{n}", sides=(claim.sides[0], edit.text),
                          expect=Expect.HOLDS, side_lines=())
        out.append((edit.kind, variant))
    return out


def run_mutation(claims: Iterable[Claim], options: Options, points: int = 6) -> list[Mutant]:
    options = replace(options, diagnose=False, shrink=False)  # verdicts only
    results = []
    for claim in claims:
        if claim.expect is not Expect.HOLDS or claim.strategy:
            continue
        found = mutants(claim)
        if not found:
            continue
        texts = [v.sides[-1] for _, v in found]
        own, *judged = judge(claim, [claim.sides[-1]] + texts, points)
        if own.kind != EQUAL:  # the oracle cannot reproduce the true formula: judge nothing
            why = f"the claim's own formula: {own.kind} {own.reason}".strip()
            judged = [replace(j, kind=NOT_JUDGED, reason=why) for j in judged]
        for (kind, variant), j in zip(found, judged):
            verdict = verify_claim(variant, options)
            results.append(Mutant(claim.id, kind, variant.sides[-1], verdict.kind,
                                  oracle_of(claim), j.kind, j.reason))
    return results


def kill_rate(results: list[Mutant]) -> dict[str, object]:
    outcomes = Counter(m.outcome for m in results)
    judged = Counter(m.oracle for m in results if m.judgement != NOT_JUDGED)
    different = [m for m in results if m.judgement == DIFFERS]
    killed = outcomes["killed"]
    return {
        "mutants": len(results),
        "judged_by": {"reference": judged["reference"], "mpmath": judged["mpmath"],
                      "not judged": outcomes["not judged"]},
        "equivalent": outcomes["equivalent"], "different": len(different),
        "killed": killed, "killed_by_error": sum(1 for m in results if m.outcome == "killed"
                                                 and m.verdict is Kind.ERROR),
        "survived": outcomes["survived"],
        "false_proofs": outcomes["FALSE PROOF"], "false_refutations": outcomes["false refutation"],
        "kill_rate": killed / len(different) if different else 1.0,
        "killed_by_kind": {k: sum(1 for m in results if m.kind == k and m.outcome == "killed")
                           for k in KINDS},
        "not_judged_because": dict(Counter(m.reason for m in results
                                           if m.judgement == NOT_JUDGED)),
        "checker_verdicts_of_equivalents": dict(Counter(m.verdict.value for m in results
                                                        if m.outcome == "equivalent")),
    }


def main() -> None:  # python -m bpcheck.mutation [PATH ...]
    import sys
    from ..catalog.files import load_catalog
    cat = load_catalog(sys.argv[1:] or ["derivations"])
    results = run_mutation(cat.claims, Options(points=12, reference=False))
    summary = kill_rate(results)
    for m in results:
        if m.outcome in ("FALSE PROOF", "false refutation", "survived"):
            print(f"{m.outcome}: {m.claim_id} [{m.kind}] {m.text} ({m.verdict.value}; oracle: {m.reason})")
    judged = summary["judged_by"]
    print(f"{summary['mutants']} mutants; judged by the NumPy reference: {judged['reference']}, "
          f"by mpmath at 60 digits: {judged['mpmath']}, not judged: {judged['not judged']}")
    print(f"equivalent {summary['equivalent']}, different {summary['different']}: killed "
          f"{summary['killed']} ({summary['killed_by_error']} of them ERROR, meaningless), survived {summary['survived']}, false proofs "
          f"{summary['false_proofs']}; false refutations {summary['false_refutations']}; "
          f"kill rate {summary['kill_rate']:.1%}")
    for reason, n in sorted(summary["not_judged_because"].items(), key=lambda kv: -kv[1]):
        print(f"  not judged ({n}): {reason}")
    print(summary)
    sys.exit(1 if summary["false_proofs"] or summary["false_refutations"] else 0)


if __name__ == "__main__":
    main()
