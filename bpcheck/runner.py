"""Run claims through the verifier: in order, or in parallel worker processes.

The reporter is passed in (pyflakes style) so that the CLI, the pytest plugin
and the tests each see results as they come.  SymPy is imported by the
verifier only, and only once a claim must actually be decided.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Protocol

from .model import Claim, Verdict


class Reporter(Protocol):
    def claim_done(self, claim: Claim, verdict: Verdict) -> None: ...


def _decide(args: tuple[Claim, Any]) -> dict[str, Any]:
    from .serialize import verdict_dict
    from .verify import verify_claim
    claim, options = args
    return verdict_dict(verify_claim(claim, options))


def run_claims(claims: Iterable[Claim], options: Any, reporter: Reporter | None = None,
               jobs: int = 0, lookup: Callable[[Claim], Verdict | None] | None = None,
               store: Callable[[Claim, Verdict], None] | None = None
               ) -> list[tuple[Claim, Verdict]]:
    """Verdicts in catalog order; `lookup`/`store` let a cache skip decided claims;
    jobs = 0 picks the number of worker processes by itself (`auto_jobs`)."""
    claims = list(claims)
    done: dict[int, Verdict] = {}
    todo = []
    for i, c in enumerate(claims):
        hit = lookup(c) if lookup else None
        if hit is not None:
            done[i] = hit
            if reporter:
                reporter.claim_done(c, hit)
        else:
            todo.append(i)
    for i, verdict in _decide_all([claims[i] for i in todo], todo, options,
                                  jobs or auto_jobs(len(todo))):
        done[i] = verdict
        if store:
            store(claims[i], verdict)
        if reporter:
            reporter.claim_done(claims[i], verdict)
    return [(c, done[i]) for i, c in enumerate(claims)]


AUTO_MIN_CLAIMS = 16


def auto_jobs(count: int) -> int:
    """Every core for a large cold run; one process when a few claims changed
    (a worker pool costs more than it saves there)."""
    import os
    return min(os.cpu_count() or 1, 8) if count >= AUTO_MIN_CLAIMS else 1


def _decide_all(claims: list[Claim], index: list[int], options: Any, jobs: int):
    from .serialize import verdict_from
    if not claims:  # everything came from the cache: SymPy is never imported
        return
    if jobs <= 1 or len(claims) <= 1:
        from .verify import verify_claim
        for i, c in zip(index, claims):
            yield i, verify_claim(c, options)
        return
    import multiprocessing as mp  # only when workers are asked for
    ctx = mp.get_context("fork")
    with ctx.Pool(min(jobs, len(claims))) as pool:
        for i, c, d in zip(index, claims, pool.imap(_decide, [(c, options) for c in claims])):
            yield i, verdict_from(c.id, d)
