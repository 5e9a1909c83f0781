"""Run claims through the verifier: in order, or in forked worker processes that this
process supervises so that the time limit is hard (`supervise`).

The reporter is passed in (pyflakes style) so that the CLI, the pytest plugin
and the tests each see results as they come.  SymPy is imported by the
verifier only, and only once a claim must actually be decided.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Protocol

from ..model import Claim, Verdict


class Reporter(Protocol):
    def claim_done(self, claim: Claim, verdict: Verdict) -> None: ...


def run_claims(claims: Iterable[Claim], options: Any, reporter: Reporter | None = None,
               jobs: int = 0, lookup: Callable[[Claim], Verdict | None] | None = None,
               store: Callable[[Claim, Verdict], None] | None = None,
               own_process: bool = False) -> list[tuple[Claim, Verdict]]:
    """Verdicts in catalog order; `lookup`/`store` let a cache skip decided claims;
    jobs = 0 picks the number of worker processes by itself (`auto_jobs`).
    `own_process`: the caller is bpcheck's own command, so the garbage collector may
    be tuned."""
    from .hints import settle_hints
    claims = list(claims)
    if any(c.role == "definition" for c in claims):
        pairs = _definitions_first(claims, options, reporter, jobs, lookup, store, own_process)
    else:
        pairs = _run_in_order(claims, options, reporter, jobs, lookup, store, own_process)
    return settle_hints(pairs, options)


def _run_in_order(claims: list[Claim], options: Any, reporter: Reporter | None, jobs: int,
                  lookup: Any, store: Any, own_process: bool) -> list[tuple[Claim, Verdict]]:
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
                                  jobs or auto_jobs(len(todo)), own_process):
        done[i] = verdict
        if store:
            store(claims[i], verdict)
        if reporter:
            reporter.claim_done(claims[i], verdict)
    return [(c, done[i]) for i, c in enumerate(claims)]


def _definitions_first(claims: list[Claim], options: Any, reporter: Reporter | None,
                       jobs: int, lookup: Any, store: Any,
                       own_process: bool) -> list[tuple[Claim, Verdict]]:
    """A note's definitions (`z = W a + b`, the loss) are decided first: one that the
    declared setting refutes is an error at its line, and the other claims of that file in
    that setting whose truth depends on what it defines are not judged (their verdicts would
    be about another network; `scope.blocking` says which)."""
    from ..model import Kind
    from .scope import blocking
    defs = [c for c in claims if c.role == "definition"]
    decided = {id(c): v for c, v in _run_in_order(defs, options, _Converted(reporter), jobs,
                                                  lookup, store, own_process)}
    decided = {k: _as_error(v) for k, v in decided.items()}
    bad = [c for c in defs if decided[id(c)].kind is Kind.ERROR]
    good = [c for c in defs if decided[id(c)].kind is not Kind.ERROR]
    rest = []
    for c in claims:
        first = blocking(c, bad, good) if bad and c.role != "definition" else None
        if c.role == "definition":
            continue
        if first is None:
            rest.append(c)
            continue
        decided[id(c)] = Verdict(c.id, Kind.ERROR, False, f"not judged: the note's definition "
                                 f"at line {first.line} ({first.id}) disagrees with the setting "
                                 "its defaults declare")
        if reporter:
            reporter.claim_done(c, decided[id(c)])
    for c, v in _run_in_order(rest, options, reporter, jobs, lookup, store, own_process):
        decided[id(c)] = v
    return [(c, decided[id(c)]) for c in claims]


class _Converted:
    """A reporter that sees a refuted definition as the error it is."""

    def __init__(self, reporter: Reporter | None) -> None:
        self.reporter = reporter

    def claim_done(self, claim: Claim, verdict: Verdict) -> None:
        if self.reporter:
            self.reporter.claim_done(claim, _as_error(verdict))


def _as_error(verdict: Verdict) -> Verdict:
    from dataclasses import replace
    from ..model import Kind
    if verdict.kind is not Kind.REFUTED:
        return verdict
    return replace(verdict, kind=Kind.ERROR, ok=False, reason="the note's definition disagrees "
                   f"with the setting its defaults declare: {verdict.reason}")


AUTO_MIN_CLAIMS = 16


def auto_jobs(count: int) -> int:
    """Every core for a large cold run; one process when a few claims changed
    (more workers cost more than they save there)."""
    import os
    return min(os.cpu_count() or 1, 8) if count >= AUTO_MIN_CLAIMS else 1


def import_verifier() -> None:
    """Import everything that decides claims (SymPy, symengine, NumPy: the import
    floor), and tune the garbage collector for what follows."""
    import importlib
    # deciding and explaining (with what they import: the symbolic stage, SymPy,
    # symengine, the numeric stage and the NumPy reference)
    from . import check  # noqa: F401
    from ..catalog import verdict_json  # noqa: F401
    from ..numeric import quickeval  # noqa: F401
    from ..reference import network  # noqa: F401
    # imported on first use otherwise, by each worker again: NumPy's sampler, and the
    # tensor module (with sympy.combinatorics) that SymPy's Add imports on its first call
    for name in ("numpy.random", "sympy.tensor.tensor"):
        importlib.import_module(name)
    tune_gc()


def _start_worker() -> None:
    """A worker lives for one run: no automatic garbage collection at all (its
    objects are freed by reference counts; the few cycles, from caught exceptions,
    go with the process).  Collections still took 1-2% of a cold run."""
    import gc
    import_verifier()
    gc.disable()


class Forked:
    """`fn()` computed in a forked child while this process goes on (a cold run reads
    its catalog there while it imports SymPy here); `result()` waits for the child
    and gives its value or raises its exception.  Without fork, `fn` runs at once."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        import os
        self.pid = None
        if not hasattr(os, "fork"):
            self.outcome = _outcome(fn)
            return
        import sys
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            stream.flush()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child never returns into the caller
            try:
                os.close(read)
                with os.fdopen(write, "wb") as out:
                    out.write(_pickled(_outcome(fn)))
                for stream in (sys.stdout, sys.stderr):  # what fn printed (a warning)
                    stream.flush()
            finally:
                os._exit(0)
        os.close(write)
        self.pid, self.read = pid, read

    def result(self) -> Any:
        if self.pid is not None:
            import os
            import pickle
            with os.fdopen(self.read, "rb") as found:
                data = found.read()
            os.waitpid(self.pid, 0)
            self.pid = None
            self.outcome = pickle.loads(data) if data else \
                (False, RuntimeError("the child reading ahead ended without a result"))
        ok, value = self.outcome
        if not ok:
            raise value
        return value


def _outcome(fn: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, fn()
    except BaseException as exc:  # given to the parent as it is (KeyboardInterrupt too)
        return False, exc


def _pickled(outcome: tuple[bool, Any]) -> bytes:
    import pickle
    try:
        return pickle.dumps(outcome)
    except Exception as exc:  # an exception that does not pickle: its text still goes
        return pickle.dumps((False, RuntimeError(f"{outcome[1]!r} ({exc})")))


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
                tune: bool = False):
    """Decided in supervised worker processes (a hard time limit: `supervise`) when
    there are several, or when this is bpcheck's own command; in this process otherwise
    (a library call deciding a few claims keeps its worlds for the next one), and
    wherever fork is missing."""
    if not claims:  # everything came from the cache: SymPy is never imported
        return
    if tune:
        tune_gc()
    import os
    if not hasattr(os, "fork") or not (tune or (jobs > 1 and len(claims) > 1)):
        from .check import check_claim
        for i, c in zip(index, claims):
            yield i, check_claim(c, options)
        return
    from .supervise import decide_supervised
    yield from decide_supervised(_setting_groups(claims, index), options, max(1, jobs),
                                 _start_worker)


def _setting_groups(claims: list[Claim], index: list[int]) -> list[list[tuple[int, Claim]]]:
    """Claims of one setting go to one worker (they share its world: every quantity
    and derivative is built once), the largest groups first so the workers finish
    together; expected errata weigh more (their repairs are searched)."""
    groups: dict[Any, list[tuple[int, Claim]]] = {}
    for i, c in zip(index, claims):
        groups.setdefault(c.setting, []).append((i, c))
    weight = lambda g: sum(3 if c.expect.value == "erratum" else 1 for _, c in g)
    return sorted(groups.values(), key=weight, reverse=True)
