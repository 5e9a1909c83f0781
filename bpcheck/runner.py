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


def _decide(args: tuple[list[int], list[Claim], Any]) -> list[tuple[int, dict[str, Any]]]:
    from .serialize import verdict_dict
    from .verify import verify_claim
    index, claims, options = args
    return [(i, verdict_dict(verify_claim(c, options))) for i, c in zip(index, claims)]


def run_claims(claims: Iterable[Claim], options: Any, reporter: Reporter | None = None,
               jobs: int = 0, lookup: Callable[[Claim], Verdict | None] | None = None,
               store: Callable[[Claim, Verdict], None] | None = None,
               workers: Workers | None = None, own_process: bool = False
               ) -> list[tuple[Claim, Verdict]]:
    """Verdicts in catalog order; `lookup`/`store` let a cache skip decided claims;
    jobs = 0 picks the number of worker processes by itself (`auto_jobs`); `workers`
    started early (`Workers.start`) are used when given, and closed.  `own_process`:
    the caller is bpcheck's own command, so the garbage collector may be tuned."""
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
    if workers is not None and not todo:
        workers.close()  # everything came from the cache: the early workers go unused
        workers = None
    for i, verdict in _decide_all([claims[i] for i in todo], todo, options,
                                  jobs or auto_jobs(len(todo)), workers, own_process):
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


class Workers:
    """Worker processes, forked before the catalog is even loaded when a cold run is
    likely: each imports the verifier (SymPy, symengine, NumPy: the import floor)
    while the parent still reads the claims, so that cost is not paid in series."""

    def __init__(self, count: int) -> None:
        import multiprocessing as mp  # only when workers are asked for
        self.pool = mp.get_context("fork").Pool(count, initializer=_import_verifier)

    @classmethod
    def start(cls, jobs: int) -> Workers | None:
        count = jobs or auto_jobs(AUTO_MIN_CLAIMS)
        return cls(count) if count > 1 else None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def _import_verifier() -> None:
    import importlib
    for name in ("verify", "diagnose", "shrink", "quickeval", "serialize"):
        importlib.import_module(f"{__package__}.{name}")
    tune_gc()


GC_THRESHOLD = (20_000, 10, 10)


def tune_gc() -> None:
    """For bpcheck's own processes (the CLI, its workers): what is alive now (the
    imported modules, SymPy's singletons) is never collected, and the young
    generation is collected ten times less often.  A cold run makes hundreds of
    thousands of SymPy objects, almost none in reference cycles; Python's default
    (700 allocations) spent about 6% of a run walking them."""
    import gc
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def _decide_all(claims: list[Claim], index: list[int], options: Any, jobs: int,
                workers: Workers | None = None, tune: bool = False):
    from .serialize import verdict_from
    if not claims:  # everything came from the cache: SymPy is never imported
        return
    if workers is None and (jobs <= 1 or len(claims) <= 1):
        from .verify import verify_claim
        if tune:
            tune_gc()
        for i, c in zip(index, claims):
            yield i, verify_claim(c, options)
        return
    by_index = dict(zip(index, claims))
    groups = _setting_groups(claims, index)
    workers = workers or Workers(min(jobs, len(groups)))
    try:
        tasks = [([i for i, _ in g], [c for _, c in g], options) for g in groups]
        for results in workers.pool.imap_unordered(_decide, tasks):
            for i, d in results:
                yield i, verdict_from(by_index[i].id, d)
    finally:
        workers.close()


def _setting_groups(claims: list[Claim], index: list[int]) -> list[list[tuple[int, Claim]]]:
    """Claims of one setting go to one worker (they share its world: every quantity
    and derivative is built once), the largest groups first so the workers finish
    together; expected errata weigh more (their repairs are searched)."""
    groups: dict[Any, list[tuple[int, Claim]]] = {}
    for i, c in zip(index, claims):
        groups.setdefault(c.setting, []).append((i, c))
    weight = lambda g: sum(3 if c.expect.value == "erratum" else 1 for _, c in g)
    return sorted(groups.values(), key=weight, reverse=True)
