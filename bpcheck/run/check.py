"""One claim through the whole pipeline: decided, then, if refuted, explained.

Deciding never imports explaining; this module sits above both, so the verdict a user
sees carries the diagnosis and the smallest sizes of a refutation."""
from __future__ import annotations

import time
from dataclasses import replace

from ..decide.claim import ClaimTimeout, deadline, verify_claim
from ..decide.widths import for_explaining
from ..explain.refutation import explain_refutation
from ..model import Claim, Kind, Options, Verdict


def check_claim(claim: Claim, options: Options = Options()) -> Verdict:
    """`verify_claim`, with a refutation explained; its time counts both, and both fit
    in the claim's time limit (the explanation gets what deciding left of it)."""
    verdict = verify_claim(claim, options)
    if verdict.kind is not Kind.REFUTED:
        return verdict
    start = time.perf_counter()
    left = options.timeout - verdict.seconds
    if options.timeout > 0 and left <= 0:
        return verdict  # no time left to explain: the refutation stands as it was found
    try:
        with deadline(left if options.timeout > 0 else 0):
            explained = explain_refutation(for_explaining(claim), verdict, options)
    except ClaimTimeout:  # between the explanation's own deadline and this one
        explained = verdict
    seconds = verdict.seconds + time.perf_counter() - start
    return replace(explained, seconds=round(seconds, 4))
