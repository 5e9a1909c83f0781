"""Claims decided in forked worker processes that this process supervises, so that the
per-claim time limit is hard.

The alarm in a worker (`decide.claim.deadline`) stops Python code, but not work in C
(symengine's expansion, a huge integer power): a claim still running at its limit plus
`GRACE` has its worker killed, comes back INCONCLUSIVE, and the rest of that worker's
claims go on in a fresh worker.  A worker lives for the whole run and takes one group of
claims after another (the claims of a setting share its world), so a run forks about
once per process slot, not once per claim.
"""
from __future__ import annotations

import os
import time
from collections import deque
from typing import Any, Callable, Iterator

from ..model import Claim, Kind, Verdict, expected_ok

GRACE = 0.5  # seconds past a claim's limit before its worker is killed (the alarm is first)

Group = list[tuple[int, Claim]]


def decide_supervised(groups: list[Group], options: Any, slots: int,
                      start: Callable[[], None]) -> Iterator[tuple[int, Verdict]]:
    """(index, verdict) of every claim in `groups`, as they come, from at most `slots`
    workers, each running `start()` first.  `options.timeout` <= 0: no limit (a worker
    is then never killed)."""
    limit = options.timeout + GRACE if options.timeout > 0 else None
    waiting = deque(groups)
    workers: list[_Worker] = []
    try:
        while len(workers) < slots and waiting:
            workers.append(_Worker(waiting.popleft(), options, start))
        while workers:
            for w in workers:
                if w.idle and waiting:
                    w.take(waiting.popleft())
            for slot, verdicts in _step([w for w in workers if w.todo], limit):
                yield from verdicts
                if slot.dead and slot.todo:  # the claim it was on was stopped: the rest
                    workers[workers.index(slot)] = _Worker(slot.todo, options, start)  # go on
            for w in [w for w in workers if w.dead or (w.idle and not waiting)]:
                w.close()  # nothing left for it: its memory is freed now
                workers.remove(w)
    finally:
        for w in workers:
            w.close()


def _step(busy: list["_Worker"], limit: float | None):
    """Wait for a message from a busy worker, or for the first one's limit to pass."""
    from multiprocessing.connection import wait
    running = [w for w in busy if w.started is not None]
    first = min((w.started for w in running), default=None)
    timeout = None if limit is None or first is None else \
        max(0.0, first + limit - time.monotonic())
    ready = wait([w.conn for w in busy], timeout)
    for w in busy:
        if w.conn in ready:
            yield w, w.receive()
        elif limit is not None and w.started is not None and \
                time.monotonic() - w.started > limit:
            yield w, [w.stop(f"time limit of {w.options.timeout:g} s reached "
                             "(the work was stopped)", Kind.INCONCLUSIVE)]


class _Worker:
    """One forked process deciding claims sent through a pipe; it reports each verdict
    as it is made, so the claim it is on, and since when, is known here."""

    def __init__(self, todo: Group, options: Any, start: Callable[[], None]) -> None:
        import multiprocessing as mp
        import signal
        ctx = mp.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, os.getpid(), start), daemon=True)
        # a Ctrl-C while forking is this process's to handle, never the new worker's
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        child.close()
        self.options = options
        self.todo: Group = list(todo)
        self.ready = self.dead = False
        self.started: float | None = None  # when its current claim began

    @property
    def idle(self) -> bool:
        return self.ready and not self.todo and not self.dead

    def take(self, group: Group) -> None:
        self.todo = list(group)
        self._send()

    def _send(self) -> None:
        self.conn.send(([i for i, _ in self.todo], [c for _, c in self.todo], self.options))
        self.started = time.monotonic()

    def receive(self) -> list[tuple[int, Verdict]]:
        from ..catalog.verdict_json import verdict_from
        try:
            message = self.conn.recv()
        except (EOFError, OSError):  # it died (a crash in C, out of memory): no traceback
            self.process.join()
            return [self.stop(f"the process deciding it ended without a verdict (exit code "
                              f"{self.process.exitcode})", Kind.ERROR)]
        if message is None:  # started: the first group goes now
            self.ready = True
            if self.todo:
                self._send()
            return []
        i, d = message
        (_, claim), self.todo = self.todo[0], self.todo[1:]
        self.started = time.monotonic() if self.todo else None
        return [(i, verdict_from(claim.id, d))]

    def stop(self, reason: str, kind: Kind) -> tuple[int, Verdict]:
        """Kill it; the claim it was on gets `reason`.  Its other claims stay in `todo`."""
        seconds = time.monotonic() - self.started if self.started is not None else 0.0
        self.close()
        (i, claim), self.todo = self.todo[0], self.todo[1:]
        return i, Verdict(claim.id, kind, expected_ok(kind, claim.expect), reason,
                          seconds=round(seconds, 4), extra=(("timeout", True),)
                          if kind is Kind.INCONCLUSIVE else ())

    def close(self) -> None:
        if not self.dead:
            self.dead = True
            self.process.kill()
            self.process.join()
            self.conn.close()


def _serve(conn: Any, parent: int, start: Callable[[], None]) -> None:
    """A worker: ready, then groups of claims until the pipe closes or its parent is
    gone.  Ctrl-C is the supervisor's to handle (it kills the workers), so a worker
    ignores it."""
    import signal
    from ..catalog.verdict_json import verdict_dict
    from .check import check_claim
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    start()
    conn.send(None)
    while True:
        while not conn.poll(5.0):
            if os.getppid() != parent:  # the supervisor was killed: nobody is waiting
                return
        try:
            index, claims, options = conn.recv()
        except EOFError:
            return
        for i, c in zip(index, claims):
            conn.send((i, verdict_dict(check_claim(c, options))))
