"""One claim through the whole pipeline: decided, then, if refuted, explained.

Deciding never imports explaining; this module sits above both, so the verdict a user
sees carries the diagnosis and the smallest sizes of a refutation."""
from __future__ import annotations

import time
from dataclasses import replace

from ..decide.claim import verify_claim
from ..explain.refutation import explain_refutation
from ..model import Claim, Kind, Options, Verdict


def check_claim(claim: Claim, options: Options = Options()) -> Verdict:
    """`verify_claim`, with a refutation explained; its time counts both."""
    verdict = verify_claim(claim, options)
    if verdict.kind is not Kind.REFUTED:
        return verdict
    start = time.perf_counter()
    explained = explain_refutation(claim, verdict, options)
    seconds = verdict.seconds + time.perf_counter() - start
    return replace(explained, seconds=round(seconds, 4))
